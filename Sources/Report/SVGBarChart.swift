import Foundation

/// A histogram as inline SVG: one bar per bin, bin edges labelled below, counts on the left.
struct SVGBarChart {
    var title: String
    var xUnit: String
    var yUnit: String
    /// Bin edges (count + 1), already in display units.
    var edges: [Double]
    var counts: [Int]
    var width = 1300.0, height = 250.0
    let left = 64.0, right = 16.0, top = 30.0, bottom = 40.0

    func render() -> String {
        let yTicks = SVGChart.ticks(upTo: Double(max(1, counts.max() ?? 1)))
        let yMax = yTicks.last ?? 1
        let plotW = width - left - right, plotH = height - top - bottom
        let barW = plotW / Double(max(1, counts.count))
        func y(_ v: Double) -> Double { top + plotH - v / yMax * plotH }
        var svg = "<svg class=\"chart\" viewBox=\"0 0 \(f(width)) \(f(height))\" role=\"img\" aria-label=\"\(HTMLText.escape(title))\">"
        svg += "<text class=\"ctitle\" x=\"\(f(left))\" y=\"18\">\(HTMLText.escape(title))</text>"
        for v in yTicks {
            svg += "<line class=\"grid\" x1=\"\(f(left))\" x2=\"\(f(width - right))\" y1=\"\(f(y(v)))\" y2=\"\(f(y(v)))\"/>"
            svg += "<text class=\"ytick\" x=\"\(f(left - 6))\" y=\"\(f(y(v) + 4))\">\(SVGChart.tickLabel(v))</text>"
        }
        for (i, count) in counts.enumerated() {
            let x = left + Double(i) * barW
            svg += "<rect class=\"bar\" x=\"\(f(x + 1))\" y=\"\(f(y(Double(count))))\" width=\"\(f(max(1, barW - 2)))\" height=\"\(f(plotH - (y(Double(count)) - top)))\">"
            svg += "<title>\(HTMLText.number(edges[i]))–\(HTMLText.number(edges[i + 1])) \(HTMLText.escape(xUnit)): \(count) \(HTMLText.escape(yUnit))</title></rect>"
        }
        // Label every fifth edge: enough to read the scale without crowding.
        for i in stride(from: 0, through: counts.count, by: 5) {
            let x = left + Double(i) * barW
            svg += "<line class=\"tick\" x1=\"\(f(x))\" x2=\"\(f(x))\" y1=\"\(f(top + plotH))\" y2=\"\(f(top + plotH + 4))\"/>"
            svg += "<text class=\"xtick\" x=\"\(f(x))\" y=\"\(f(top + plotH + 16))\">\(HTMLText.number(edges[i]))</text>"
        }
        svg += "<line class=\"axis\" x1=\"\(f(left))\" x2=\"\(f(left))\" y1=\"\(f(top))\" y2=\"\(f(top + plotH))\"/>"
        svg += "<line class=\"axis\" x1=\"\(f(left))\" x2=\"\(f(width - right))\" y1=\"\(f(top + plotH))\" y2=\"\(f(top + plotH))\"/>"
        svg += "<text class=\"xlabel\" x=\"\(f(left + plotW / 2))\" y=\"\(f(height - 4))\">\(HTMLText.escape(xUnit)) (log scale)</text>"
        svg += "<text class=\"ylabel\" transform=\"translate(14 \(f(top + plotH / 2))) rotate(-90)\">\(HTMLText.escape(yUnit))</text>"
        return svg + "</svg>"
    }

    private func f(_ v: Double) -> String { String(format: "%.1f", v) }
}
