/**
 * The one manifest source is extension/manifest.json (Chrome's form). Firefox's is derived
 * here: background scripts instead of a service worker, a gecko id, the data collection
 * declaration, an explicit extension-pages CSP (Firefox's default turns ws:// into wss://),
 * and no Chrome-only keys or permissions.
 */
export const GECKO_ID = 'popline@popline.dev';
const CHROME_ONLY_PERMISSIONS = new Set(['offscreen', 'sidePanel', 'tabGroups']);
/** The demo CRM of the simulator (sim/): a CRM site from the start, in the demo and test builds only. */
export const DEMO_ORIGIN = 'http://127.0.0.1/*';

/**
 * The demo parts (docs/security.md): a host permission and a static content script for the
 * simulator's demo CRM on this computer. A store build has neither: every CRM site is granted
 * by the administrator or the agent in the options page.
 */
function addDemoParts(manifest) {
  manifest.host_permissions = [...new Set([...(manifest.host_permissions ?? []), DEMO_ORIGIN])];
  manifest.content_scripts = [
    ...(manifest.content_scripts ?? []),
    { matches: [DEMO_ORIGIN], js: ['content.js'], run_at: 'document_idle' },
  ];
  return manifest;
}

export function chromeManifest(source, version, { demo = false } = {}) {
  const manifest = { ...structuredClone(source), version };
  return demo ? addDemoParts(manifest) : manifest;
}

export function firefoxManifest(source, version, options = {}) {
  const manifest = chromeManifest(source, version, options);
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
  // Firefox has no dynamic resource URLs; its extension address is already a per-install random UUID.
  manifest.web_accessible_resources = (manifest.web_accessible_resources ?? []).map(
    ({ use_dynamic_url: _dynamic, ...resource }) => resource,
  );
  return manifest;
}
