/**
 * Granting an optional host permission in Chromium from a test. `permissions.request()` shows
 * Chrome's own prompt, which headless Chromium never answers and no switch or protocol command
 * accepts (`--apps-gallery-install-auto-confirm-for-tests` does not cover it). What does work is
 * the path a user has besides the prompt: the extension's "Site access" on chrome://extensions,
 * driven through that page's own `developerPrivate.addHostPermission`. Once granted, the
 * options page's real `permissions.request()` resolves true at once, without a prompt.
 */
import type { ExtensionBrowser } from './browsers';

export async function grantHostPermission(chromium: ExtensionBrowser, pattern: string): Promise<void> {
  const page = await chromium.browser.newPage();
  try {
    await page.goto('chrome://extensions');
    await page.evaluate(
      (id, host) =>
        (
          chrome as unknown as { developerPrivate: { addHostPermission(id: string, host: string): Promise<void> } }
        ).developerPrivate.addHostPermission(id, host),
      chromium.extensionId,
      pattern,
    );
  } finally {
    await page.close();
  }
}
