import CustosLedger

/// `report.html`: the bundle for a person. One self-contained page (styles inline, pictures
/// inline SVG, no scripts, nothing fetched): a summary per control, the exceptions first with
/// the flows behind them, then the controls that held.
enum EvidenceReportPage {
    /// At most this many exceptions are listed per control, and pictured.
    static let listedExceptions = 50
    static let picturedExceptions = 6

    static func html(_ context: BundleContext, reports: [ControlReport], pictures: LineagePictures) -> String {
        let e = LineagePictures.escape
        let failing = reports.filter { $0.status == .notSatisfied }
        let holding = reports.filter { $0.status == .satisfied }
        var page = """
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(e(context.framework.title)) evidence, \(e(context.period.from)) to \(e(context.period.to))</title>
            <style>\(style)</style>
            </head>
            <body>
            <header>
            <p class="kicker">Custos evidence bundle</p>
            <h1>\(e(context.framework.title))</h1>
            <p class="period">\(e(context.period.from)) to \(e(context.period.to)) · \(e(context.origin))</p>
            <dl class="facts">
            <div><dt>Events in the period</dt><dd>\(context.eventCount)</dd></div>
            <div><dt>Controls</dt><dd>\(reports.count)</dd></div>
            <div><dt>Not satisfied</dt><dd class="\(failing.isEmpty ? "good" : "bad")">\(failing.count)</dd></div>
            <div><dt>Signed checkpoint</dt><dd>size \(context.checkpoint.size)<br><code>\(context.checkpoint.rootHash.hex.prefix(16))…</code></dd></div>
            </dl>
            </header>
            <main>
            <section>
            <h2>Summary</h2>
            <table class="summary">
            <thead><tr><th>Control</th><th>Title</th><th>Status</th><th>Exceptions</th><th>Population</th></tr></thead>
            <tbody>

            """
        for report in failing + holding {
            page += "<tr><td><a href=\"#\(e(report.control.slug))\">\(e(report.control.id))</a></td><td>\(e(report.control.title))</td>"
            page += "<td>\(badge(report.status))</td><td class=\"number\">\(report.exceptions.count)</td><td class=\"number\">\(report.populationCount)</td></tr>\n"
        }
        page += "</tbody></table>\n</section>\n"
        if !failing.isEmpty {
            page += "<section>\n<h2>Exceptions</h2>\n"
            for report in failing { page += section(report, pictures: pictures) }
            page += "</section>\n"
        }
        page += "<section>\n<h2>Controls that held</h2>\n"
        for report in holding { page += section(report, pictures: pictures) }
        if holding.isEmpty { page += "<p class=\"muted\">None.</p>\n" }
        page += """
            </section>
            <section>
            <h2>Checking this bundle</h2>
            <p>Every file is listed with its SHA-256 in <code>manifest.json</code>, and the log's key signs the manifest (<code>manifest.sig</code>). The events of the period are tied to the signed checkpoint by <code>proofs/chain.json</code>\(context.previous == nil ? "" : ", and <code>proofs/consistency.json</code> proves that the log only grew since the previous bundle's checkpoint (size \(context.previous?.size ?? 0))"). <code>custos verify-bundle</code> checks all of it offline; <code>VERIFY.md</code> explains how to check it without Custos.</p>
            </section>
            </main>
            <footer>Made by Custos \(e(CustosRelease.version)) from the log <code>\(e(context.origin))</code> as of its signed checkpoint of size \(context.checkpoint.size).</footer>
            </body>
            </html>

            """
        return page
    }

    static func section(_ report: ControlReport, pictures: LineagePictures) -> String {
        let e = LineagePictures.escape
        var html = "<article class=\"control\" id=\"\(e(report.control.slug))\">\n"
        html += "<h3>\(e(report.control.id)) · \(e(report.control.title)) \(badge(report.status))</h3>\n"
        html += "<p class=\"wording\">\(e(report.control.wording))</p>\n"
        html += "<p>\(e(report.statusReason)).</p>\n"
        html += "<p class=\"muted\">Tested by <code>\(e(report.control.queryFile))</code>: <code>\(e(statement(of: report.queryText)))</code></p>\n"
        if !report.exceptions.isEmpty {
            html += "<table class=\"exceptions\"><thead><tr><th>Seq</th><th>What</th><th>Who</th><th>Why</th></tr></thead><tbody>\n"
            for item in report.exceptions.prefix(listedExceptions) {
                let seq = item.seq.map(String.init) ?? item.edges.compactMap { $0["firstSeq"]?.numberValue.map { String(Int($0)) } }.joined(separator: ", ")
                let what = item.row["kind"]?.stringValue.map { kind in kind + (item.row["request"]?.stringValue.map { " under " + $0 } ?? "") }
                    ?? item.row["target"]?.stringValue.map { "path to " + $0 } ?? ""
                let who = item.row["actor"]?.stringValue ?? item.row["source"]?.stringValue ?? ""
                let why = item.row["reason"]?.stringValue ?? item.row["path"]?.stringValue ?? "no principal named"
                html += "<tr><td class=\"number\">\(e(seq))</td><td>\(e(what))</td><td>\(e(who))</td><td>\(e(why))</td></tr>\n"
            }
            html += "</tbody></table>\n"
            if report.exceptions.count > listedExceptions {
                html += "<p class=\"muted\">\(report.exceptions.count - listedExceptions) more in <code>\(e(report.fileStem)).csv</code>.</p>\n"
            }
            for item in report.exceptions.prefix(picturedExceptions) {
                guard let svg = pictures.picture(for: item) else { continue }
                let caption = item.seq.map { "The flow behind seq \($0)" } ?? "The path from \(item.row["source"]?.stringValue ?? "") to \(item.row["target"]?.stringValue ?? "")"
                html += "<figure>\(svg)<figcaption>\(e(caption)); the step in red is the exception\(svgHasMask(svg) ? ", masking in green" : "").</figcaption></figure>\n"
            }
        }
        if !report.blockedAttempts.isEmpty {
            html += "<p>The gate refused \(report.blockedAttempts.count) attempt(s), which shows it working: seqs \(e(report.blockedAttempts.prefix(20).compactMap { $0.seq.map(String.init) }.joined(separator: ", ")))\(report.blockedAttempts.count > 20 ? ", …" : "").</p>\n"
        }
        html += "<p class=\"files\">Details: <code>\(e(report.fileStem)).json</code>, <code>\(e(report.fileStem)).csv</code></p>\n"
        return html + "</article>\n"
    }

    /// The query without its comment header.
    static func statement(of text: String) -> String {
        text.split(separator: "\n").filter { !$0.hasPrefix("--") }.joined(separator: " ")
    }

    static func svgHasMask(_ svg: String) -> Bool { svg.contains("edge masked") }

    static func badge(_ status: ControlReport.Status) -> String {
        status == .satisfied ? "<span class=\"badge good\">satisfied</span>" : "<span class=\"badge bad\">not satisfied</span>"
    }

    static let style = """
        :root{--ink:#1d2330;--muted:#5b6473;--line:#d9dee7;--bg:#f5f7fa;--good:#1f7a4d;--bad:#b3261e;--accent:#2f5bd3;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
        *{box-sizing:border-box}body{margin:0;background:var(--bg);color:var(--ink);font-size:15px;line-height:1.5}
        header{background:var(--ink);color:#fff;padding:28px 40px}header h1{margin:4px 0;font-size:26px}
        .kicker{margin:0;text-transform:uppercase;letter-spacing:.08em;font-size:12px;opacity:.7}.period{margin:0;opacity:.85}
        .facts{display:flex;gap:28px;flex-wrap:wrap;margin:18px 0 0}.facts div{min-width:130px}.facts dt{font-size:12px;opacity:.7}
        .facts dd{margin:2px 0 0;font-size:20px;font-weight:600}.facts dd.bad{color:#ff9a92}.facts dd.good{color:#8fe0b3}
        .facts code{font-size:12px;font-weight:400}main{padding:10px 40px 30px;max-width:1200px}
        h2{font-size:20px;margin:28px 0 12px}table{border-collapse:collapse;width:100%;background:#fff;border:1px solid var(--line);border-radius:8px;overflow:hidden}
        th,td{text-align:left;padding:7px 10px;border-bottom:1px solid var(--line);vertical-align:top}th{background:#eef1f6;font-size:13px}
        td.number{text-align:right;font-variant-numeric:tabular-nums}a{color:var(--accent)}
        .badge{display:inline-block;font-size:12px;font-weight:600;border-radius:999px;padding:1px 10px;vertical-align:middle}
        .badge.good{background:#dcf3e6;color:var(--good)}.badge.bad{background:#fbe2e0;color:var(--bad)}
        .control{background:#fff;border:1px solid var(--line);border-radius:10px;padding:16px 20px;margin:14px 0}
        .control h3{margin:0 0 6px;font-size:17px}.wording{font-style:italic;color:var(--muted)}.muted,.files{color:var(--muted);font-size:13px}
        code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px;overflow-wrap:anywhere}
        table.exceptions{margin:10px 0}figure{margin:14px 0;overflow-x:auto}figcaption{color:var(--muted);font-size:13px;margin-top:4px}
        svg.lineage{background:#fbfcfe;border:1px solid var(--line);border-radius:8px;max-width:100%;height:auto}
        svg.lineage rect{fill:#fff;stroke:#9aa6bb}svg.lineage .dataset rect{fill:#eef3ff;stroke:#6f8fd8}svg.lineage .export rect{fill:#f6ecff;stroke:#9a6ad0}
        svg.lineage .request rect{fill:#fff6df;stroke:#c99a2e}svg.lineage .human rect{fill:#e9f7ef;stroke:#4f9f73}svg.lineage .agent rect{fill:#f1f2f5;stroke:#8a93a3}
        svg.lineage text{font-size:11px;fill:var(--ink);font-family:ui-monospace,Menlo,Consolas,monospace}svg.lineage text.relation{fill:var(--muted);font-family:system-ui,sans-serif;font-size:10px}
        svg.lineage path.edge{fill:none;stroke:#9aa6bb;stroke-width:1.3}svg.lineage path.flagged{stroke:var(--bad);stroke-width:2.2}svg.lineage path.masked{stroke:var(--good);stroke-width:2}
        footer{padding:16px 40px 30px;color:var(--muted);font-size:13px}
        """
}
