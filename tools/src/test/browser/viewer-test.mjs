// Drives the gort trace viewer (HtmlViewer / viewer.html) in headless Chromium through
// playwright-core. Run by ViewerBrowserTest with one JSON argument:
//   {real, lanes, goroutines, evil, evilLabel, big, bigLanes, screenshot, chromium}
// Exits 0 when every check passes; prints what it checked. No browser download: it uses the
// system's Chromium (Debian's `chromium` package) at `chromium`.
import { chromium } from "playwright-core";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const cfg = JSON.parse(process.argv[2]);
const fail = (msg) => { throw new Error(msg); };
const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), "gort-chromium-"));

// a fresh profile (--user-data-dir) each run: playwright passes it through launchPersistentContext
const ctx = await chromium.launchPersistentContext(userDataDir, {
  executablePath: cfg.chromium,
  headless: true,
  viewport: { width: 1280, height: 900 },
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
try {
  // offline: any network request is a failure
  await ctx.route("**/*", (route) => {
    const u = route.request().url();
    if (u.startsWith("file:")) return route.continue();
    console.error("network request refused: " + u);
    return route.abort();
  });
  const page = await ctx.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push("page error: " + e.message));
  page.on("console", (m) => { if (m.type() === "error") errors.push("console error: " + m.text()); });

  // ---- 1. a real trace: lanes, table, histogram, click, zoom, pan, screenshot
  await page.goto("file://" + cfg.real);
  await page.waitForFunction(() => window.gortViewer !== undefined);
  const lanes = await page.$eval("#timeline", (c) => Number(c.dataset.lanes));
  if (lanes !== cfg.lanes) fail("lanes: " + lanes + ", expected " + cfg.lanes);
  const rows = await page.$$eval("#gbody tr", (trs) => trs.length);
  if (rows !== Math.min(cfg.goroutines, 1000)) fail("goroutine rows: " + rows + ", expected " + cfg.goroutines);
  const header = await page.$eval("#ghead", (h) => h.textContent);
  for (const col of ["running", "runnable", "blocked, per wait reason"]) {
    if (!header.includes(col)) fail("goroutine table lacks column " + col + ": " + header);
  }
  const jdkPark = await page.$$eval("#gbody td", (tds) => tds.some((td) => td.textContent.includes("jdk park")));
  if (!jdkPark) fail("no goroutine shows blocked time for 'jdk park'");
  const bars = await page.$$eval("#histogram .hrow", (r) => r.length);
  if (bars < 1) fail("no latency histogram rows");

  // click the longest run of the first lane, after zooming to it
  const target = await page.evaluate(() => {
    const D = JSON.parse(document.getElementById("gort-trace-data").textContent);
    const L = D.lanes[0];
    let best = 0;
    for (let i = 1; i < L.s.length; i++) if (L.e[i] - L.s[i] > L.e[best] - L.s[best]) best = i;
    const s = L.s[best], e = L.e[best], d = Math.max(e - s, 100);
    window.gortViewer.setView(s - d, e + d);
    return { goid: L.g[best], t: (s + e) / 2 };
  });
  await page.waitForTimeout(50); // one animation frame
  const pt = await page.evaluate((t) => window.gortViewer.pointOf(0, t), target.t);
  const box = await page.$eval("#timeline", (c) => { const r = c.getBoundingClientRect(); return { x: r.left, y: r.top }; });
  await page.mouse.click(box.x + pt.x, box.y + pt.y);
  const details = await page.$eval("#details", (d) => ({ goid: d.dataset.goid, text: d.textContent }));
  if (details.goid !== String(target.goid)) fail("clicked G" + target.goid + " but details show: " + details.text);
  if (!details.text.includes("on P") || !details.text.includes("ended by:")) fail("details incomplete: " + details.text);

  // zoom with the wheel, pan with a drag, reset with the button
  await page.click("#reset");
  await page.waitForTimeout(50);
  const v0 = await page.evaluate(() => window.gortViewer.view());
  await page.mouse.move(box.x + 600, box.y + 40);
  await page.mouse.wheel(0, -400);
  await page.waitForTimeout(50);
  const v1 = await page.evaluate(() => window.gortViewer.view());
  if (!(v1[1] - v1[0] < v0[1] - v0[0])) fail("wheel did not zoom in: " + v0 + " -> " + v1);
  await page.mouse.move(box.x + 600, box.y + 40);
  await page.mouse.down();
  await page.mouse.move(box.x + 400, box.y + 40, { steps: 5 });
  await page.mouse.up();
  const v2 = await page.evaluate(() => window.gortViewer.view());
  if (!(v2[0] > v1[0])) fail("dragging left did not pan right: " + v1 + " -> " + v2);
  await page.click("#zoomIn");
  await page.click("#reset");
  await page.waitForTimeout(50);
  await page.click("#zoomIn");
  await page.waitForTimeout(50);
  await page.screenshot({ path: cfg.screenshot, fullPage: true });
  console.log("real trace: " + lanes + " lanes, " + rows + " goroutine rows, " + bars + " histogram rows, clicked G" +
    target.goid + ", zoom/pan ok, screenshot " + cfg.screenshot);

  // ---- 1b. an annotated trace: click a block and see its stack; a timer wake-up is named; the
  // goroutine view; legend, tasks and logs
  await page.goto("file://" + cfg.annotated);
  await page.waitForFunction(() => window.gortViewer !== undefined);
  const clickRun = async (pred) => {
    const t = await page.evaluate((src) => {
      const ok = eval(src);
      const D = JSON.parse(document.getElementById("gort-trace-data").textContent);
      const lanes = window.gortViewer.laneData();
      for (let li = 0; li < lanes.length; li++) {
        const L = lanes[li];
        for (let i = 0; i < L.s.length; i++) {
          if (!ok(D, L, i)) continue;
          const d = Math.max(L.e[i] - L.s[i], 1000);
          window.gortViewer.setView(L.s[i] - d, L.e[i] + d);
          return { lane: li, t: (L.s[i] + L.e[i]) / 2, goid: L.g[i] };
        }
      }
      return null;
    }, pred.toString());
    if (!t) return null;
    await page.waitForTimeout(50);
    const pt = await page.evaluate((a) => window.gortViewer.pointOf(a.lane, a.t), t);
    const bx = await page.$eval("#timeline", (c) => { const r = c.getBoundingClientRect(); return { x: r.left, y: r.top }; });
    await page.mouse.click(bx.x + pt.x, bx.y + pt.y);
    const d = await page.$eval("#details", (e) => ({ goid: e.dataset.goid, stack: e.dataset.stack, text: e.textContent }));
    if (d.goid !== String(t.goid)) fail("clicked G" + t.goid + " but details show: " + d.text);
    return d;
  };
  // a run that ended blocked, with a recorded stack, in the workload's consume()
  const blk = await clickRun((D, L, i) => L.k[i] >= 10 && L.st[i] >= 0 && D.stacks[String(L.st[i])].includes(".consume("));
  if (!blk) fail("no block with a stack in consume() in the annotated trace");
  if (blk.stack !== "1" || !blk.text.includes("blocked at:") || !blk.text.includes(cfg.workload + ".consume("))
    fail("the block's stack is not shown: " + blk.text);
  // the run after the sleep: readied by a timer, named as such
  const tmr = await clickRun((D, L, i) => L.f[i] >= 0 && D.flows.fw[L.f[i]] === "timer");
  if (!tmr) fail("no run readied by a timer in the annotated trace");
  if (!tmr.text.includes("unblocked by: timer")) fail("the timer wake-up is not named: " + tmr.text);
  const legend = await page.$eval("#legend", (e) => e.textContent);
  for (const k of ["steal", "preemption", "user region", "who readied it"]) if (!legend.includes(k)) fail("legend lacks " + k + ": " + legend);
  const taskText = await page.$eval("#tasks", (e) => e.textContent);
  if (!taskText.includes("viewer-demo") || !taskText.includes("done=")) fail("tasks and logs not shown: " + taskText);
  const labels = await page.$$eval("#gbody td", (tds) => tds.map((td) => td.textContent));
  if (!labels.some((l) => l.includes("(via WaitGroup.go:"))) fail("WaitGroup.go workers are not labelled by their call site");
  await page.selectOption("#mode", "g");
  await page.waitForTimeout(50);
  const glanes = await page.$eval("#timeline", (c) => Number(c.dataset.lanes));
  if (glanes !== cfg.annotatedGoroutinesWithRuns) fail("goroutine view: " + glanes + " lanes, expected " + cfg.annotatedGoroutinesWithRuns);
  const gblk = await clickRun((D, L, i) => L.k[i] >= 10 && L.st[i] >= 0);
  if (!gblk || gblk.stack !== "1") fail("goroutine view: a click on a block shows no stack: " + (gblk && gblk.text));
  await page.click("#reset");
  await page.waitForTimeout(50);
  await page.screenshot({ path: cfg.annotatedShot, fullPage: true });
  console.log("annotated trace: block stack shown, timer wake-up named, legend, tasks, " + glanes + " goroutine lanes");

  // ---- 2. a crafted trace with a label that is markup: shown, not run
  await page.goto("file://" + cfg.evil);
  await page.waitForFunction(() => window.gortViewer !== undefined);
  const pwned = await page.evaluate(() => window.__gortPwned);
  if (pwned !== undefined) fail("a goroutine label ran as script: __gortPwned=" + pwned);
  const shown = await page.$$eval("#gbody td", (tds, evil) => tds.some((td) => td.textContent === evil), cfg.evilLabel);
  if (!shown) fail("the label is not shown as text in the goroutine table");
  const imgs = await page.$$eval("img", (i) => i.length);
  if (imgs !== 0) fail("a label created an <img> element");
  console.log("crafted trace: the <script> label is shown as text and did not run");

  // ---- 3. 100,000+ runs: a frame draws at most one run per pixel column per lane
  await page.goto("file://" + cfg.big);
  await page.waitForFunction(() => window.gortViewer !== undefined);
  const perf = await page.evaluate(async () => {
    const V = window.gortViewer;
    const frame = () => new Promise((r) => requestAnimationFrame(() => r()));
    const [a, b] = V.view();
    const t0 = performance.now();
    let maxDrawn = 0;
    for (let k = 0; k < 30; k++) {
      const f = Math.pow(0.7, k);
      V.setView(a, a + (b - a) * f);
      await frame();
      maxDrawn = Math.max(maxDrawn, V.drawnSlices());
    }
    return { msPerFrame: (performance.now() - t0) / 30, maxDrawn: maxDrawn, width: document.getElementById("timeline").clientWidth };
  });
  if (perf.maxDrawn > cfg.bigLanes * (perf.width + 2)) fail("drew " + perf.maxDrawn + " runs in one frame: not bounded by the width");
  console.log("big trace: " + perf.msPerFrame.toFixed(1) + " ms per zoom frame, at most " + perf.maxDrawn + " runs drawn per frame");

  if (errors.length) fail(errors.join("\n"));
} finally {
  await ctx.close();
  fs.rmSync(userDataDir, { recursive: true, force: true });
}
