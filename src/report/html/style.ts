/**
 * The report's stylesheet and script, inlined into `index.html` (the page loads nothing from anywhere).
 *
 * @module
 */

/** The report's CSS. */
export const REPORT_CSS = `
:root{--fg:#1d232b;--muted:#6b7480;--bg:#f5f6f8;--card:#fff;--line:#dde1e6;--pass:#2e7d32;--fail:#c62828;--warn:#ef6c00;--na:#757575;--accent:#1565c0}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
a{color:var(--accent);text-decoration:none}a:hover{text-decoration:underline}
.top{position:sticky;top:0;z-index:5;background:#1d232b;color:#fff;padding:10px 20px;display:flex;flex-wrap:wrap;gap:14px;align-items:center}
.top h1{font-size:17px;margin:0 8px 0 0}
.top .meta{color:#b9c1cc;font-size:12px}
.top label{display:flex;gap:6px;align-items:center;cursor:pointer}
.top input[type=search]{padding:4px 8px;border-radius:4px;border:0;min-width:220px}
.top nav a{color:#9cc7ff;margin-right:12px}
main{max-width:1280px;margin:0 auto;padding:16px 20px 60px}
h2{font-size:18px;margin:28px 0 10px;border-bottom:2px solid var(--line);padding-bottom:4px}
h3{font-size:15px;margin:18px 0 8px}h5{margin:10px 0 4px;font-size:13px}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600;color:#fff;background:var(--na);white-space:nowrap}
.badge.pass,.badge.passed{background:var(--pass)}.badge.warn,.badge.fail,.badge.bad{color:#fff}.badge.fail,.badge.failed{background:var(--fail)}.badge.warn{background:var(--warn)}.badge.na,.badge.skipped,.badge.unknown{background:var(--na)}
.totals .badge{font-size:13px;padding:2px 10px}
.box{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:10px 14px;margin:10px 0}
.box.warnings{border-left:4px solid var(--warn)}.box.warnings li{margin:2px 0}
.box.infra,.box.failed-list{border-left:4px solid var(--fail)}.failed-list li{margin:3px 0}
.file{background:var(--card);border:1px solid var(--line);border-radius:6px;margin:12px 0;padding:4px 14px 10px}
.test{border-top:1px solid var(--line);padding:8px 0}.test:first-of-type{border-top:0}
.test>.title{display:flex;gap:8px;align-items:baseline;flex-wrap:wrap}
.test .dur,.when{color:var(--muted);font-size:12px;margin-left:auto}
.anchor{color:var(--muted);font-weight:400}
.errors{color:var(--fail);margin:6px 0;padding-left:20px}.errors pre{color:var(--fg)}
pre{background:#f0f2f5;border:1px solid var(--line);border-radius:4px;padding:8px;overflow:auto;max-height:420px;font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,monospace;white-space:pre-wrap;word-break:break-all}
.mono,code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12px}
.muted{color:var(--muted)}.warn{color:var(--warn)}.bad{color:var(--fail)}.nowrap{white-space:nowrap}
.call,.conformance,.fuzz{background:var(--card);border:1px solid var(--line);border-left:4px solid var(--pass);border-radius:6px;margin:10px 0;padding:8px 14px}
.call.failed,.conformance.failed,.fuzz.failed{border-left-color:var(--fail)}
.call>header,.conformance>header,.fuzz>header{display:flex;gap:8px;flex-wrap:wrap;align-items:baseline}
details.sec{margin:8px 0}details.sec>summary{font-weight:600;cursor:pointer;padding:3px 0}
details>summary{cursor:pointer}
table{border-collapse:collapse;margin:6px 0;font-size:12.5px;width:100%}
th,td{border-bottom:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}
th{background:#eef1f4;font-weight:600}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.bad-row td,tr.req.failed td{background:#fdecea}tr.req.warned td{background:#fff4e5}
.facts{display:flex;flex-wrap:wrap;gap:6px;margin:6px 0}.fact{background:#eef1f4;border-radius:4px;padding:2px 8px;font-size:12px}
.ladder{position:relative;margin:6px 0;font-size:12px}
.lane-line{position:absolute;top:0;bottom:0;width:0;border-left:1px dashed #b0b8c2}
.ladder-row{display:grid;align-items:end;position:relative}
.ladder-head .lane-name{text-align:center;font-weight:600;background:var(--card);border:1px solid var(--line);border-radius:4px;margin:0 6px 4px;padding:2px 4px;overflow:hidden;text-overflow:ellipsis;white-space:nowrap;position:relative;z-index:1}
.ladder-row .t{color:var(--muted);font-variant-numeric:tabular-nums;text-align:right;padding-right:8px;align-self:center;grid-column:1}
.arrow{position:relative;border-bottom:2px solid #455a64;min-height:22px;text-align:center;grid-row:1}
.arrow .label{display:inline-block;background:var(--card);padding:0 4px;white-space:nowrap;overflow:hidden;text-overflow:ellipsis;max-width:100%;position:relative;top:2px}
.arrow.right::after,.arrow.left::after{content:"";position:absolute;bottom:-6px;border:5px solid transparent}
.arrow.right::after{right:-2px;border-left:9px solid #455a64}
.arrow.left::after{left:-2px;border-right:9px solid #455a64}
.arrow.self{border-bottom-style:dotted}
.msg.resp .arrow{border-bottom-style:dashed;border-bottom-color:#2e7d32}.msg.resp .arrow.right::after{border-left-color:#2e7d32}.msg.resp .arrow.left::after{border-right-color:#2e7d32}
.msg.err .arrow{border-bottom-color:var(--fail)}.msg.err .arrow.right::after{border-left-color:var(--fail)}.msg.err .arrow.left::after{border-right-color:var(--fail)}.msg.err .label{color:var(--fail)}
.msg.restart .arrow{border-bottom-color:#6a1b9a}.msg.restart .arrow.right::after{border-left-color:#6a1b9a}.msg.restart .arrow.left::after{border-right-color:#6a1b9a}.msg.restart .label{color:#6a1b9a;font-weight:600}
.msg.cand .arrow{border-bottom-color:#90a4ae;border-bottom-width:1px}.msg.cand .label{color:var(--muted)}
.ladder-meta{grid-row:2;position:relative;z-index:1;text-align:center;font-size:11px;color:var(--muted)}
.arrow-meta span{background:var(--card);padding:0 3px}
.arrow-meta .addr{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;margin-right:8px}
.arrow-meta .retx-note{color:var(--warn);font-weight:600}
.msg.retx .arrow{border-bottom-style:dotted;border-bottom-color:var(--warn)}.msg.retx .label{color:var(--warn)}
.ladder-details{grid-row:3;position:relative;z-index:1}
.payload summary{font-size:11.5px;color:var(--accent)}
.tag{font-size:10px;color:var(--muted);border:1px solid var(--line);border-radius:3px;padding:0 3px}
svg text{font:11px system-ui,sans-serif;fill:#444}
svg .chart-title{font-weight:600;fill:#222}svg .grid{stroke:#e6e9ed}svg .frame{fill:none;stroke:#c5cbd3}
svg .row-line{stroke:#e0e4e8}svg .state-label{fill:#fff;font-size:10px;pointer-events:none}svg .legend{font-size:10.5px}
svg .wave{fill:#1f77b4;stroke:#1f77b4;stroke-width:.5}
.plots{display:flex;flex-wrap:wrap;gap:8px}.plot{margin:0;background:#fafbfc;border:1px solid var(--line);border-radius:4px;padding:4px}
.chart-empty{width:440px;padding:6px}.uplot .u-title{font-size:13px;font-weight:600}.uplot .u-legend{font-size:11.5px}.uplot-chart{cursor:crosshair}
.ice-timeline{max-width:900px;display:block}
.recording{margin:8px 0 14px}.recording .player{display:flex;align-items:center;gap:8px;flex-wrap:wrap}
.spectro{display:flex;align-items:flex-start;gap:4px}.spectro-y{display:flex;flex-direction:column;justify-content:space-between;font-size:11px;color:var(--muted);text-align:right;min-width:26px}.spectro-x{display:flex;justify-content:space-between;font-size:11px;color:var(--muted)}.spectrogram{image-rendering:pixelated;border:1px solid var(--line);max-width:100%}
.axis-note{font-size:11px;color:var(--muted)}
blockquote{margin:6px 0;padding:4px 10px;border-left:3px solid var(--line);color:#37474f}
.toc{columns:2 360px;margin:6px 0;padding-left:18px}.toc li{break-inside:avoid}
.failed-only .passed,.failed-only .skipped,.failed-only .unknown-state{display:none}
.hidden-by-search{display:none}
:target{outline:2px solid var(--accent);outline-offset:2px}
footer{color:var(--muted);font-size:12px;text-align:center;margin:30px 0}
`

/** The report's script: the failed-only filter, the search box, and opening the collapsed sections around a `#fragment` target. */
export const REPORT_JS = `
(function () {
  var failedOnly = document.getElementById('failed-only');
  var search = document.getElementById('search');
  function apply() {
    document.body.classList.toggle('failed-only', !!(failedOnly && failedOnly.checked));
    var q = search ? search.value.trim().toLowerCase() : '';
    var tests = document.querySelectorAll('[data-search]');
    for (var i = 0; i < tests.length; i++) {
      var el = tests[i];
      var hit = !q || (el.getAttribute('data-search') || '').toLowerCase().indexOf(q) >= 0;
      el.classList.toggle('hidden-by-search', !hit);
    }
  }
  if (failedOnly) failedOnly.addEventListener('change', apply);
  if (search) search.addEventListener('input', apply);
  function openTarget() {
    if (!location.hash) return;
    var target = document.getElementById(decodeURIComponent(location.hash.slice(1)));
    for (var el = target; el; el = el.parentElement) if (el.tagName === 'DETAILS') el.open = true;
    if (target) target.scrollIntoView();
  }
  window.addEventListener('hashchange', openTarget);
  openTarget();
  apply();
})();
`
