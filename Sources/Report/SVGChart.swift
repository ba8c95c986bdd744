import Foundation

/// A line chart over time as inline SVG: axes with units and ticks, a legend, step holds shaded,
/// and a tooltip (`<title>`) on each point when there are few enough to hover.
struct SVGChart {
    struct Series {
        var name: String
        var color: String
        /// (seconds, value); nil values break the line.
        var points: [(Double, Double?)]
        var dashed = false
    }

    /// A shaded time range (a step's hold), labelled at the top.
    struct Band {
        var start: Double
        var end: Double
        var label: String
        var highlighted: Bool
    }

    var title: String
    var unit: String
    var series: [Series]
    var bands: [Band]
    var xMax: Double
    /// The x axis: seconds since the start by default, or plain values (e.g. users).
    var xTitle = "time since start"
    var xIsTime = true
    /// Let the y axis start above zero when every value is far from it (memory in use), so that
    /// growth of a few percent shows instead of a flat line at the top.
    var zoomY = false
    var width = 1300.0, height = 250.0
    let left = 64.0, right = 16.0, top = 30.0, bottom = 40.0

    func render() -> String {
        let values = series.flatMap { $0.points.compactMap(\.1) }
        // An all-zero series (no errors) still gets a 0...1 axis rather than a degenerate one.
        let peak = values.max() ?? 0
        var yTicks = Self.ticks(upTo: peak > 0 ? peak : 1)
        if zoomY, let low = values.min(), low > 0.5 * peak, peak > low {
            yTicks = Self.ticks(from: low, upTo: peak)
        }
        let yMin = yTicks.first ?? 0, yMax = yTicks.last ?? 1
        let xTicks = Self.ticks(upTo: max(xMax, 1))
        let xEnd = max(xMax, 1)
        let plotW = width - left - right, plotH = height - top - bottom
        func x(_ t: Double) -> Double { left + t / xEnd * plotW }
        func y(_ v: Double) -> Double { top + plotH - (v - yMin) / (yMax - yMin) * plotH }
        var svg = "<svg class=\"chart\" viewBox=\"0 0 \(f(width)) \(f(height))\" role=\"img\" aria-label=\"\(HTMLText.escape(title))\">"
        svg += "<text class=\"ctitle\" x=\"\(f(left))\" y=\"18\">\(HTMLText.escape(title)) (\(HTMLText.escape(unit)))</text>"
        for (i, band) in bands.enumerated() where band.end > band.start {
            let cls = band.highlighted ? "band knee" : (i % 2 == 0 ? "band even" : "band odd")
            svg += "<rect class=\"\(cls)\" x=\"\(f(x(band.start)))\" y=\"\(f(top))\" width=\"\(f(x(band.end) - x(band.start)))\" height=\"\(f(plotH))\">"
            svg += "<title>\(HTMLText.escape(band.label)): hold \(HTMLText.seconds(band.start))–\(HTMLText.seconds(band.end))</title></rect>"
            svg += "<text class=\"blabel\" x=\"\(f(x(band.start) + 3))\" y=\"\(f(top + 11))\">\(HTMLText.escape(band.label))</text>"
        }
        for v in yTicks {
            svg += "<line class=\"grid\" x1=\"\(f(left))\" x2=\"\(f(width - right))\" y1=\"\(f(y(v)))\" y2=\"\(f(y(v)))\"/>"
            svg += "<text class=\"ytick\" x=\"\(f(left - 6))\" y=\"\(f(y(v) + 4))\">\(Self.tickLabel(v))</text>"
        }
        for t in xTicks where t <= xEnd {
            svg += "<line class=\"tick\" x1=\"\(f(x(t)))\" x2=\"\(f(x(t)))\" y1=\"\(f(top + plotH))\" y2=\"\(f(top + plotH + 4))\"/>"
            svg += "<text class=\"xtick\" x=\"\(f(x(t)))\" y=\"\(f(top + plotH + 16))\">\(xIsTime ? HTMLText.seconds(t) : Self.tickLabel(t))</text>"
        }
        svg += "<line class=\"axis\" x1=\"\(f(left))\" x2=\"\(f(left))\" y1=\"\(f(top))\" y2=\"\(f(top + plotH))\"/>"
        svg += "<line class=\"axis\" x1=\"\(f(left))\" x2=\"\(f(width - right))\" y1=\"\(f(top + plotH))\" y2=\"\(f(top + plotH))\"/>"
        svg += "<text class=\"xlabel\" x=\"\(f(left + plotW / 2))\" y=\"\(f(height - 4))\">\(HTMLText.escape(xTitle))</text>"
        svg += "<text class=\"ylabel\" transform=\"translate(14 \(f(top + plotH / 2))) rotate(-90)\">\(HTMLText.escape(unit))</text>"
        let hover = series.reduce(0) { $0 + $1.points.count } <= 1_200
        for s in series {
            var runs: [[(Double, Double)]] = [[]]
            for (t, v) in s.points {
                if let v { runs[runs.count - 1].append((t, v)) } else if !(runs.last?.isEmpty ?? true) { runs.append([]) }
            }
            let dash = s.dashed ? " stroke-dasharray=\"6 4\"" : ""
            for run in runs where !run.isEmpty {
                let path = run.map { "\(f(x($0.0))),\(f(y($0.1)))" }.joined(separator: " ")
                svg += "<polyline fill=\"none\" stroke=\"\(s.color)\" stroke-width=\"1.8\"\(dash) points=\"\(path)\"/>"
            }
            guard hover else { continue }
            for (t, v) in s.points {
                guard let v else { continue }
                svg += "<circle class=\"pt\" cx=\"\(f(x(t)))\" cy=\"\(f(y(v)))\" r=\"3\" fill=\"\(s.color)\">"
                svg += "<title>\(HTMLText.escape(s.name)) at \(xIsTime ? HTMLText.seconds(t) : HTMLText.number(t) + " " + HTMLText.escape(xTitle)): \(HTMLText.number(v)) \(HTMLText.escape(unit))</title></circle>"
            }
        }
        var lx = width - right
        for s in series.reversed() {
            let w = 30 + Double(s.name.count) * 7
            lx -= w
            let dash = s.dashed ? " stroke-dasharray=\"6 4\"" : ""
            svg += "<line x1=\"\(f(lx))\" x2=\"\(f(lx + 20))\" y1=\"14\" y2=\"14\" stroke=\"\(s.color)\" stroke-width=\"2.5\"\(dash)/>"
            svg += "<text class=\"legend\" x=\"\(f(lx + 24))\" y=\"18\">\(HTMLText.escape(s.name))</text>"
        }
        return svg + "</svg>"
    }

    /// Round tick values from 0 to at least `maxValue`: steps of 1, 2 or 5 x 10^k, about five of them.
    static func ticks(upTo maxValue: Double) -> [Double] {
        guard maxValue > 0, maxValue.isFinite else { return [0, 1] }
        let rough = maxValue / 5
        let magnitude = pow(10, floor(log10(rough)))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= rough } ?? 10 * magnitude
        var ticks: [Double] = [0]
        while (ticks.last ?? 0) < maxValue * (1 - 1e-9) { ticks.append(Double(ticks.count) * step) }
        return ticks
    }

    /// Round ticks covering [low, high] only, from the multiple of the step at or below `low`.
    static func ticks(from low: Double, upTo high: Double) -> [Double] {
        let span = ticks(upTo: high - low)
        guard span.count >= 2 else { return ticks(upTo: high) }
        let step = span[1] - span[0]
        var out = [floor(low / step) * step]
        while out.last! < high * (1 - 1e-12) { out.append(out[0] + Double(out.count) * step) }
        return out
    }

    /// Tick values are round already: `0.5`, `2`, `12 000`.
    static func tickLabel(_ v: Double) -> String { abs(v) >= 1_000 ? HTMLText.grouped(Int64(v.rounded())) : String(format: "%g", v) }

    private func f(_ v: Double) -> String { String(format: "%.1f", v) }
}
