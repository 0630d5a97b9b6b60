<?php

declare(strict_types=1);

namespace WHMCS\Module\Addon\VfStock\Admin;

/**
 * The page's own style and script, inline (an addon has no asset pipeline
 * in WHMCS). The style only adds to WHMCS's Bootstrap 3: the spinner, the
 * chart, the collapsed breakdowns, and tables that turn into stacked cards
 * on a phone. The script is plain JavaScript (no jQuery needed) and only
 * improves what works without it: the forms post and redirect by
 * themselves.
 */
final class Assets
{
    public static function style(): string
    {
        return '<style>'
            . '.vfstock [hidden]{display:none!important}'
            // What Bootstrap 3 gives every element and .table, in case a theme does not.
            . '.vfstock,.vfstock *,.vfstock *:before,.vfstock *:after{box-sizing:border-box}'
            . '.vfstock .table{width:100%;max-width:100%}'
            . '.vfstock .vfstock-toolbar{display:flex;flex-wrap:wrap;align-items:center;gap:8px 16px;margin:0 0 15px}'
            . '.vfstock .vfstock-toolbar form{margin:0}'
            . '.vfstock .vfstock-help{margin:0}'
            . '.vfstock .vfstock-check-summary{margin:0}'
            . '.vfstock .vfstock-env{margin:0 0 15px}'
            . '.vfstock .vfstock-env .label{margin-left:4px}'
            . '.vfstock .vfstock-spinner{display:inline-block;width:14px;height:14px;margin-right:6px;'
            . 'vertical-align:-2px;border:2px solid #c8d6e5;border-top-color:#337ab7;border-radius:50%;'
            . 'animation:vfstock-spin .8s linear infinite}'
            . '@keyframes vfstock-spin{to{transform:rotate(360deg)}}'
            . '.vfstock .vfstock-progress{color:#31708f;font-weight:bold}'
            . '.vfstock .table>tbody>tr>td{overflow-wrap:anywhere;word-break:break-word}'
            . '.vfstock .table{margin-bottom:0}'
            . '.vfstock .vfstock-status .label{display:inline-block;margin:0 3px 3px 0}'
            . '.vfstock .vfstock-qty{font-size:15px;font-weight:bold;white-space:nowrap}'
            . '.vfstock .vfstock-locations{margin:0}'
            . '.vfstock .vfstock-locations li{margin:0 0 3px}'
            . '.vfstock .vfstock-chart{width:32%;min-width:250px}'
            . '.vfstock svg.vfstock-history{display:block;width:100%;max-width:420px;height:auto;overflow:visible}'
            . '.vfstock .vfstock-history text{font-family:inherit}'
            . '.vfstock .vfstock-binding{background:#fcf8e3}'
            . '.vfstock details.vfstock-breakdown{border-top:1px solid #ddd}'
            . '.vfstock details.vfstock-breakdown:first-of-type{border-top:0}'
            // Bootstrap 3 makes summary a block, which hides the browser's own marker: draw one.
            . '.vfstock details>summary{display:block;list-style:none}'
            . '.vfstock details>summary::-webkit-details-marker{display:none}'
            . '.vfstock details>summary:before{content:"\\25B8";display:inline-block;width:1.1em;color:#777}'
            . '.vfstock details[open]>summary:before{content:"\\25BE"}'
            . '.vfstock details.vfstock-breakdown>summary{cursor:pointer;padding:10px 15px 10px 12px;'
            . 'outline-offset:-2px}'
            . '.vfstock details.vfstock-breakdown>summary:hover{background:#f5f5f5}'
            . '.vfstock details.vfstock-breakdown[open]>summary{background:#f5f5f5;border-bottom:1px solid #eee}'
            . '.vfstock .vfstock-summary-line{color:#777;margin-left:4px}'
            . '.vfstock .vfstock-breakdown-body{padding:10px 15px 5px}'
            . '.vfstock .vfstock-group{margin:0 0 15px}'
            . '.vfstock h4.vfstock-group-title{font-size:14px;font-weight:bold;margin:10px 0 4px}'
            . '.vfstock .vfstock-group-facts,.vfstock .vfstock-group-note{margin:0 0 6px}'
            . '.vfstock .vfstock-axes-help{margin:0 0 4px;font-size:12px}'
            . '.vfstock .vfstock-settings{margin:0}'
            . '.vfstock .vfstock-settings>summary{cursor:pointer;padding:10px 15px;font-weight:bold}'
            . '.vfstock table.vfstock-settings-table{width:auto;min-width:50%}'
            . '@media (max-width:767px){'
            . '.vfstock .table-responsive{border:0;margin-bottom:0;overflow-x:visible}'
            . '.vfstock table.vfstock-stack,.vfstock table.vfstock-stack>tbody,.vfstock table.vfstock-stack>tbody>tr,'
            . '.vfstock table.vfstock-stack>tbody>tr>td{display:block;width:auto}'
            . '.vfstock table.vfstock-stack>thead{position:absolute;width:1px;height:1px;overflow:hidden;'
            . 'clip:rect(0 0 0 0)}'
            . '.vfstock table.vfstock-stack>tbody>tr{border:1px solid #ddd;border-radius:3px;margin:0 0 10px;'
            . 'padding:4px 0}'
            . '.vfstock .panel>.table-responsive>table.vfstock-stack>tbody>tr{margin:10px}'
            . '.vfstock table.vfstock-stack>tbody>tr>td{border:0!important;white-space:normal!important;'
            . 'position:relative;min-height:26px;padding:4px 8px 4px 38%}'
            . '.vfstock table.vfstock-stack>tbody>tr>td:before{content:attr(data-label);position:absolute;left:8px;'
            . 'width:calc(38% - 16px);font-weight:bold;color:#555}'
            . '.vfstock table.vfstock-stack>tbody>tr>td.vfstock-wide{padding-left:8px}'
            . '.vfstock table.vfstock-stack>tbody>tr>td.vfstock-wide:before{position:static;display:block;width:auto}'
            . '.vfstock table.vfstock-stack>tbody>tr>td:empty{display:none}'
            . '.vfstock .table-responsive>.table>tbody>tr>td,.vfstock .table-responsive>.table>thead>tr>th'
            . '{white-space:normal}'
            // A hypervisor is a small grid: its name, then three figures a line, each under its name.
            . '.vfstock table.vfstock-grid>tbody>tr{display:flex;flex-wrap:wrap;padding:4px}'
            . '.vfstock table.vfstock-grid>tbody>tr>td{flex:0 0 33.33%;min-width:0;padding:2px 4px;font-size:13px}'
            . '.vfstock table.vfstock-grid>tbody>tr>td:before{position:static;display:block;width:auto;font-size:11px;'
            . 'font-weight:normal;color:#777}'
            . '.vfstock table.vfstock-grid>tbody>tr>td.vfstock-hv-name,'
            . '.vfstock table.vfstock-grid>tbody>tr>td.vfstock-wide'
            . '{flex-basis:100%;font-weight:bold}'
            . '.vfstock table.vfstock-grid>tbody>tr>td.vfstock-hv-name:before{display:none}'
            . '.vfstock .vfstock-chart{width:auto;min-width:0}'
            . '}'
            . '</style>';
    }

    /** @param array{checking: string, recalculating: string, failed: string} $words */
    public static function script(array $words): string
    {
        $json = json_encode($words, JSON_HEX_TAG | JSON_HEX_AMP | JSON_HEX_APOS | JSON_HEX_QUOT
            | JSON_UNESCAPED_UNICODE | JSON_INVALID_UTF8_SUBSTITUTE);

        return '<script>(function () {'
            . 'var words = ' . ($json === false ? '{}' : $json) . ';'
            . "var root = document.getElementById('vfstock'); if (!root) { return; }"
            . 'function show(el, on) { if (el) { el.hidden = !on; } }'
            . 'function counting(el, text) { var started = Date.now();'
            . ' var out = el.querySelector(".vfstock-progress-text");'
            . ' var tick = function () {'
            . '   out.textContent = text + " " + Math.round((Date.now() - started) / 1000) + " s"; };'
            . ' tick(); return setInterval(tick, 1000); }'
            // Recalculate: the form posts as it is (the server answers 303); meanwhile, say what is happening.
            . "var recalc = document.getElementById('vfstock-recalculate-form');"
            . "if (recalc) { recalc.addEventListener('submit', function () {"
            . "  var button = document.getElementById('vfstock-recalculate');"
            . "  var progress = document.getElementById('vfstock-recalculate-progress');"
            . '  show(progress, true); counting(progress, words.recalculating);'
            . '  setTimeout(function () { button.disabled = true; }, 0);'
            . '}); }'
            // The connection check: asked for with fetch and format=json, shown in place.
            . "var check = document.getElementById('vfstock-check-form');"
            . 'if (check && window.fetch && window.FormData && window.JSON) {'
            . " check.addEventListener('submit', function (event) {"
            . '  event.preventDefault();'
            . "  var button = document.getElementById('vfstock-check');"
            . "  var progress = document.getElementById('vfstock-check-progress');"
            . "  var summary = document.getElementById('vfstock-check-summary');"
            . '  button.disabled = true; show(progress, true); var timer = counting(progress, words.checking);'
            . "  summary.textContent = ''; summary.className = 'vfstock-check-summary';"
            . "  var cells = root.querySelectorAll('#vfstock-servers td.vfstock-probe[data-checkable]');"
            . '  var before = [];'
            . '  for (var i = 0; i < cells.length; i++) { before.push(cells[i].innerHTML);'
            . "    cells[i].innerHTML = '<span class=\"vfstock-spinner\" aria-hidden=\"true\"></span>'"
            . "      + 'checking\\u2026'; }"
            . "  var body = new FormData(check); body.append('format', 'json');"
            . "  var done = function () { clearInterval(timer); show(progress, false); button.disabled = false; };"
            . "  fetch(check.getAttribute('action'), {method: 'POST', body: body, credentials: 'same-origin',"
            . "    headers: {'Accept': 'application/json'}})"
            . '  .then(function (response) { return response.json(); })'
            . '  .then(function (answer) {'
            . '    var lines = answer.data || [];'
            . '    for (var i = 0; i < lines.length; i++) {'
            . "      var cell = root.querySelector('tr[data-server=\"' + Number(lines[i].id) + '\"] td.vfstock-probe');"
            // line.html is built and escaped by the server.
            . '      if (cell && typeof lines[i].html === "string") { cell.innerHTML = lines[i].html; } }'
            . '    summary.textContent = answer.summary || "";'
            . "    summary.className = 'vfstock-check-summary text-' + (answer.success ? 'success' : 'danger');"
            . '    done(); })'
            . '  .catch(function (e) {'
            . '    for (var i = 0; i < cells.length; i++) { cells[i].innerHTML = before[i]; }'
            . '    summary.textContent = words.failed + " " + (e && e.message ? e.message : e);'
            . "    summary.className = 'vfstock-check-summary text-danger'; done(); });"
            . '}); }'
            . '})();</script>';
    }
}
