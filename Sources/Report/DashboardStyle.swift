/// The dashboard's inline CSS: no fonts, images or anything else fetched (the page works offline).
enum DashboardStyle {
    static let css = """
        body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px 32px;color:#1c2330;background:#fff}
        h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #d8dde6;padding-bottom:4px}
        h3{font-size:15px;margin:16px 0 6px}
        .sub{color:#5a6473;margin-bottom:12px}
        .facts{display:grid;grid-template-columns:repeat(auto-fill,minmax(170px,1fr));gap:8px;margin:12px 0}
        .fact{background:#f4f6fa;border-radius:6px;padding:8px 10px}.fact b{display:block;font-size:18px}
        .fact span{color:#5a6473;font-size:12px}
        table{border-collapse:collapse;margin:6px 0 10px;font-variant-numeric:tabular-nums}
        th,td{padding:4px 6px;border-bottom:1px solid #e3e7ee;text-align:right;white-space:nowrap}
        th{background:#f4f6fa;font-weight:600;white-space:normal;vertical-align:bottom}
        td.l,th.l{text-align:left;white-space:normal;min-width:90px;max-width:420px;overflow-wrap:break-word}
        .scroll{overflow-x:auto;max-width:100%}
        tr.knee td{background:#fde8e8;font-weight:600}tr.total td{font-weight:600;border-top:2px solid #c9d0db}
        .tag{display:inline-block;background:#c62828;color:#fff;border-radius:4px;padding:0 6px;font-size:12px;margin-left:6px}
        .note{background:#fff8e1;border-left:4px solid #f0b400;padding:6px 10px;margin:8px 0}
        .muted{color:#5a6473}
        .pass{color:#1b7f3b;font-weight:600}.fail{color:#c62828;font-weight:600}
        td.cpass{background:#e7f5ec}td.cfail{background:#fde8e8;font-weight:600}
        svg.chart{width:100%;height:auto;display:block;margin:6px 0 14px}
        svg text{font:12px system-ui,sans-serif;fill:#3b4452}
        .ctitle{font-weight:600;font-size:13px}.ytick{text-anchor:end}.xtick,.xlabel{text-anchor:middle}.ylabel{text-anchor:middle}
        .grid{stroke:#e6e9ef}.axis{stroke:#8a94a3}.tick{stroke:#8a94a3}
        .band.even{fill:#e8f0fb}.band.odd{fill:#f1f5fb}.band.knee{fill:#fbdada}.blabel{font-size:11px;fill:#5a6473}
        .bar{fill:#4c8bd6}.bar:hover{fill:#1f5fae}.pt{opacity:0}.pt:hover{opacity:1}
        footer{margin-top:28px;color:#5a6473;font-size:12px}
        """
}
