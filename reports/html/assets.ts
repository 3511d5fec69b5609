// The page's one <style> and one <script>, constant text, so the
// Content-Security-Policy can allow exactly these two by their sha256 hashes:
// no 'unsafe-inline', no style attributes, no event-handler attributes. The
// script reads everything it needs from data- attributes; no report data is
// ever placed inside it.
import { createHash } from 'node:crypto';

export const CSS = `:root{--pass:#cdebd0;--fail:#f6c9c9;--ns:#fae3b4;--info:#d6e4f7;--unsup:#e6e6e6;--inc:#ead9f5;--notrun:#f3d2b8;--ink:#1d232b;--mute:#5e6875;--line:#d5dae0}
*{box-sizing:border-box}body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:var(--ink);background:#fafbfc}
[hidden]{display:none!important}
header.top{background:#fff;border-bottom:1px solid var(--line);padding:1rem 2rem}
main{padding:1rem 2rem 3rem;max-width:1400px}
h1{font-size:1.35rem;margin:0 0 .4rem}h2{font-size:1.1rem;margin:1.6rem 0 .5rem}h3{font-size:1rem;margin:0}
code,pre{font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
pre.cmd{background:#f1f3f5;border:1px solid var(--line);padding:.4rem .6rem;white-space:pre-wrap;word-break:break-all;margin:.2rem 0}
table{border-collapse:collapse}td,th{border:1px solid var(--line);padding:3px 7px;text-align:left;vertical-align:top}
th{background:#f1f3f5;font-weight:600}
table.meta td:first-child{color:var(--mute);white-space:nowrap}
.totals span,.badge{display:inline-block;border-radius:3px;padding:0 6px;margin-right:4px;font-weight:600;font-size:12px}
.PASS{background:var(--pass)}.FAIL{background:var(--fail)}.NON-STRICT{background:var(--ns)}.INFO{background:var(--info)}.UNSUPPORTED{background:var(--unsup)}.INCONCLUSIVE{background:var(--inc)}.NOT-RUN{background:var(--notrun)}.status-banner{background:var(--fail);padding:.5rem .9rem;border-radius:4px;margin:.5rem 0}.MISSING{background:#fff;color:var(--mute)}
table.matrix td.cell{text-align:center;font-weight:600;font-size:12px;white-space:nowrap}
table.matrix td.cell a{color:inherit;text-decoration:none;display:block}
table.matrix td.cell.dim{opacity:.25}
table.matrix td.case{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px}
table.matrix th.impl{font-size:12px;max-width:14em;word-break:break-word}
form.filters{display:flex;flex-wrap:wrap;gap:.4rem 1rem;align-items:center;margin:.4rem 0 .6rem;padding:.4rem .6rem;background:#fff;border:1px solid var(--line);border-radius:4px}
form.filters label{cursor:pointer;font-size:13px}
.note{color:var(--mute);font-size:12px;margin:.2rem 0}
section.case{background:#fff;border:1px solid var(--line);border-left:6px solid var(--unsup);border-radius:4px;margin:.8rem 0;padding:.6rem .9rem}
section.case.v-PASS{border-left-color:#4caf50}section.case.v-FAIL{border-left-color:#d32f2f}section.case.v-NON-STRICT{border-left-color:#f0a000}section.case.v-INFO{border-left-color:#4a7fc8}section.case.v-INCONCLUSIVE{border-left-color:#8e5bb5}section.case.v-NOT-RUN{border-left-color:#c26a2a}
section.case dl{display:grid;grid-template-columns:max-content 1fr;gap:.15rem .8rem;margin:.5rem 0}
section.case dt{color:var(--mute)}section.case dd{margin:0;word-break:break-word}
section.case ul{margin:.2rem 0;padding-left:1.2em}
details>summary{cursor:pointer;color:#2a5db0;margin:.4rem 0}
.plots{display:flex;flex-wrap:wrap;gap:.6rem 1.2rem;align-items:flex-start}
figure{margin:.3rem 0}figcaption{font-size:12px;color:var(--mute);max-width:560px}
svg{background:#fff;max-width:100%;height:auto}
svg text{font:10px system-ui,sans-serif;fill:#333}svg .al{font-size:11px;fill:#555}svg .lg{font-size:10px}
svg .axis{stroke:#666;fill:none}svg .tick{stroke:#666}svg .grid{stroke:#eceef1;fill:none}
svg .band{fill:#f6f7f9}
svg polyline{fill:none;stroke-width:1.8}
svg .s-measured{stroke:#1f5fbf;fill:none;stroke-width:1.8}svg circle.s-measured{fill:#1f5fbf}
svg .s-theory{stroke:#e0701b;stroke-dasharray:5 3;fill:none;stroke-width:1.6}svg .s-bound{stroke:#d32f2f;stroke-dasharray:2 3;fill:none;stroke-width:1.6}
svg .s-bytes{stroke:#7a4fb5;fill:none}
svg .shade-link{fill:#d32f2f;fill-opacity:.12}svg .shade-crash{fill:#555;fill-opacity:.14}svg .shade-pause{fill:#f0a000;fill-opacity:.16}
svg .bar-cut{fill:#d32f2f}svg .bar-link{fill:#e0701b}svg .bar-crash{fill:#555}svg .bar-pause{fill:#f0a000}
svg .lifeline{stroke:#9aa3ad;stroke-width:1}
svg .env-ok{stroke:#1f5fbf;stroke-width:1;fill:none;stroke-opacity:.75}
svg .env-late{stroke:#7a4fb5;stroke-width:1;fill:none;stroke-dasharray:3 2}
svg .env-drop{stroke:#d32f2f;stroke-width:1.2;fill:none}
svg .write{fill:#2e7d32}
.pager-controls{display:flex;gap:.5rem;align-items:center;margin:.2rem 0;font-size:13px}
.pager-controls button{font:inherit;padding:1px 8px}
`;

export const SCRIPT = `(function () {
  'use strict';
  var form = document.getElementById('filters');
  if (form) {
    var apply = function () {
      var on = {};
      form.querySelectorAll('input[name=verdict]').forEach(function (c) { on[c.value] = c.checked; });
      var suite = form.querySelector('select[name=suite]').value;
      var rows = 0, shown = 0;
      document.querySelectorAll('[data-filter]').forEach(function (el) {
        var verdicts = (el.getAttribute('data-verdicts') || '').split(' ');
        var ok = (suite === '' || el.getAttribute('data-suite') === suite) &&
          verdicts.some(function (v) { return on[v]; });
        el.hidden = !ok;
        if (el.tagName === 'TR') { rows++; if (ok) shown++; }
      });
      document.querySelectorAll('td.cell[data-verdict]').forEach(function (td) {
        td.classList.toggle('dim', !on[td.getAttribute('data-verdict')]);
      });
      var count = document.getElementById('shown');
      if (count) count.textContent = shown + ' of ' + rows + ' rows shown';
    };
    form.addEventListener('change', apply);
    form.addEventListener('submit', function (e) { e.preventDefault(); });
    apply();
  }
  document.querySelectorAll('.pager').forEach(function (p) {
    var pages = p.querySelectorAll(':scope > .page');
    var controls = p.querySelector('.pager-controls');
    if (!controls || pages.length < 2) return;
    var i = 0;
    var pos = controls.querySelector('.pos');
    var prev = controls.querySelector('.prev');
    var next = controls.querySelector('.next');
    var show = function () {
      pages.forEach(function (pg, j) { pg.hidden = j !== i; });
      pos.textContent = 'page ' + (i + 1) + ' of ' + pages.length;
      prev.disabled = i === 0;
      next.disabled = i === pages.length - 1;
    };
    prev.addEventListener('click', function () { if (i > 0) { i--; show(); } });
    next.addEventListener('click', function () { if (i < pages.length - 1) { i++; show(); } });
    controls.hidden = false;
    show();
  });
})();
`;

function sha256(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

export const SCRIPT_HASH = sha256(SCRIPT);
export const STYLE_HASH = sha256(CSS);

/**
 * Nothing may be fetched (default-src 'none'); only the hashed script and
 * style run; no <base>, no form submission, no framing of other pages.
 * img-src data: is left out: the page draws everything as inline SVG.
 */
export const CSP = [
  "default-src 'none'",
  `script-src ${SCRIPT_HASH}`,
  `style-src ${STYLE_HASH}`,
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');
