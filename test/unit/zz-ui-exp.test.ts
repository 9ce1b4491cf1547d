import puppeteer from 'puppeteer-core';
import { launchChromium } from '../support/browsers';
jest.setTimeout(60000);
test('perm', async () => {
  const c = await launchChromium({ dist: '/tmp/popline-ui/chrome' });
  const w = await c.worker();
  const ext = await c.browser.newPage();
  await ext.goto('chrome://extensions');
  const r0 = await ext.evaluate(async (id) => {
    try { await (chrome as any).developerPrivate.addHostPermission(id, 'http://localhost/*'); return 'ok'; } catch (e) { return 'err ' + (e as Error).message; }
  }, c.extensionId);
  console.log('addHostPermission', r0);
  console.log(JSON.stringify(await w.evaluate(() => chrome.permissions.getAll())));
  const page = await c.browser.newPage();
  await page.goto(`chrome-extension://${c.extensionId}/options.html`);
  await page.evaluate(() => {
    const b = document.createElement('button'); b.id = 'x'; b.textContent = 'x';
    (window as any).res = 'pending';
    b.onclick = () => { chrome.permissions.request({ origins: ['http://localhost/*'] }).then((r) => { (window as any).res = String(r); }, (e) => { (window as any).res = 'err ' + e.message; }); };
    document.body.append(b);
  });
  await page.click('#x');
  for (let i = 0; i < 30; i++) { const r = await page.evaluate(() => (window as any).res); if (r !== 'pending') { console.log('result', r); break; } await new Promise(r => setTimeout(r, 100)); }
  console.log(await page.evaluate(() => (window as any).res));
  console.log(JSON.stringify(await w.evaluate(() => chrome.permissions.getAll())));
  await c.close();
});
