/**
 * The one manifest source is extension/manifest.json (Chrome's form). Firefox's is derived
 * here: background scripts instead of a service worker, a gecko id, the data collection
 * declaration, an explicit extension-pages CSP (Firefox's default turns ws:// into wss://),
 * and no Chrome-only keys or permissions.
 */
export const GECKO_ID = 'popline@popline.dev';
const CHROME_ONLY_PERMISSIONS = new Set(['offscreen', 'sidePanel', 'tabGroups']);

export function chromeManifest(source, version) {
  return { ...structuredClone(source), version };
}

export function firefoxManifest(source, version) {
  const manifest = chromeManifest(source, version);
  const { service_worker: script, type } = manifest.background;
  manifest.background = { scripts: [script], ...(type ? { type } : {}) };
  delete manifest.minimum_chrome_version;
  manifest.permissions = (manifest.permissions ?? []).filter((p) => !CHROME_ONLY_PERMISSIONS.has(p));
  manifest.browser_specific_settings = {
    gecko: {
      id: GECKO_ID,
      strict_min_version: '140.0',
      data_collection_permissions: { required: ['none'] },
    },
    // data_collection_permissions needs 142 on Android.
    gecko_android: { strict_min_version: '142.0' },
  };
  manifest.content_security_policy = { extension_pages: "script-src 'self'" };
  return manifest;
}
