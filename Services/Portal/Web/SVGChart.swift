import Foundation

/// Small charts drawn on the server as inline SVG: no script, no library, readable by screen
/// readers through their label, and each mark titled with its figure.
enum SVGChart {
    /// The plot's margins: room on the left for the largest value ("10.0 GB") and on top for
    /// the legend, so neither is drawn over a line.
    static let (width, height, left, bottom, top) = (400.0, 186.0, 62.0, 22.0, 28.0)

    /// One series of daily values as bars; `labels` are the days (`YYYY-MM-DD`).
    static func bars(_ values: [Double], labels: [String], summary: String, format: (Double) -> String) -> String {
        let maximum = max(values.max() ?? 0, 1)
        let plot = (width - left, height - bottom - top)
        let step = plot.0 / Double(max(values.count, 1))
        var marks = ""
        for (index, value) in values.enumerated() {
            let barHeight = plot.1 * value / maximum
            let x = left + Double(index) * step + step * 0.15
            marks +=
                #"<rect class="bar" x="\#(fixed(x))" y="\#(fixed(top + plot.1 - barHeight))" width="\#(fixed(step * 0.7))" "#
                + #"height="\#(fixed(barHeight))"><title>\#(escape(labels[index])): \#(escape(format(value)))</title></rect>"#
        }
        return frame(summary: summary, maximum: format(maximum), labels: labels, body: marks)
    }

    /// Several series of daily values as lines (a missing value breaks the line); each series
    /// is named in the legend.
    static func lines(
        _ series: [(name: String, values: [Double?])], labels: [String], summary: String,
        format: (Double) -> String
    ) -> String {
        let maximum = max(series.flatMap { $0.values.compactMap { $0 } }.max() ?? 0, 1)
        let plot = (width - left, height - bottom - top)
        let step = plot.0 / Double(max(labels.count, 1))
        var body = ""
        for (number, line) in series.enumerated() {
            var path = ""
            var pen = "M"
            for (index, value) in line.values.enumerated() {
                guard let value else {
                    pen = "M"
                    continue
                }
                let x = left + Double(index) * step + step / 2
                let y = top + plot.1 - plot.1 * value / maximum
                path += "\(pen)\(fixed(x)) \(fixed(y)) "
                pen = "L"
                body +=
                    #"<circle class="point s\#(number)" cx="\#(fixed(x))" cy="\#(fixed(y))" r="2.5"><title>\#(escape(labels[index])) "#
                    + #"\#(escape(line.name)): \#(escape(format(value)))</title></circle>"#
            }
            body += #"<path class="line s\#(number)" d="\#(path)"/>"#
            body +=
                #"<text class="legend s\#(number)" x="\#(fixed(left + 8 + Double(number) * 50))" y="\#(fixed(top - 10))">\#(escape(line.name))</text>"#
        }
        return frame(summary: summary, maximum: format(maximum), labels: labels, body: body)
    }

    private static func frame(summary: String, maximum: String, labels: [String], body: String) -> String {
        let plotBottom = height - bottom
        var axis =
            #"<line class="axis" x1="\#(fixed(left))" y1="\#(fixed(plotBottom))" x2="\#(fixed(width))" y2="\#(fixed(plotBottom))"/>"#
        axis +=
            #"<text class="tick" x="\#(fixed(left - 6))" y="\#(fixed(top + 10))" text-anchor="end">\#(escape(maximum))</text>"#
        axis += #"<text class="tick" x="\#(fixed(left - 6))" y="\#(fixed(plotBottom))" text-anchor="end">0</text>"#
        let step = (width - left) / Double(max(labels.count, 1))
        for (index, label) in labels.enumerated() where index % 7 == labels.count % 7 || index == labels.count - 1 {
            let last = index == labels.count - 1
            axis +=
                #"<text class="tick" x="\#(fixed(last ? width : left + Double(index) * step + step / 2))" y="\#(fixed(height - 6))" "#
                + #"text-anchor="\#(last ? "end" : "middle")">\#(escape(String(label.suffix(5))))</text>"#
        }
        return
            #"<svg class="chart" viewBox="0 0 \#(Int(width)) \#(Int(height))" role="img" aria-label="\#(escape(summary))">"#
            + axis + body + "</svg>"
    }

    private static func fixed(_ value: Double) -> String { String(format: "%.1f", value) }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
