import CapasMessages
import Foundation

// Curves in the terminal with braille characters: each character is a 2×4
// grid of dots (U+2800 + one bit per dot), so a chart W characters wide and
// H high has 2W × 4H dots. Consecutive points are joined by vertical runs of
// dots, so a steep curve stays connected.
//
//   pérdida
//   2.3026 ┤⠑⠢⢄
//          │   ⠈⠑⠒⠤⣀⣀
//   0.4127 ┤         ⠉⠉⠒⠒⠤⠤⠤⣀⣀⣀⣀
//          └───────────────────────
//           1          paso       938

/// A chart: some series of y values over a common x axis, and marks (a
/// character at one point, for values too few to draw as a line).
struct Chart {
    /// Values at x = 0, 1, …, count − 1 (non-finite values are skipped).
    var lines: [[Double]] = []
    /// Single points drawn with `symbol` at fractional x positions in 0…1.
    var marks: [(x: Double, y: Double)] = []
    var symbol: Character = "●"
    var title: String
    /// The x axis: its label and the numbers at its two ends.
    var xLabel: String
    var xFirst: String
    var xLast: String
    /// The language its numbers are written in (a decimal comma in Spanish).
    var language: Language = .en

    /// Dot bits of a braille cell: bit for (column, row) of its 2×4 grid.
    static let bits: [[UInt32]] = [[0x01, 0x02, 0x04, 0x40], [0x08, 0x10, 0x20, 0x80]]

    /// The y range shown: every finite value, widened a little when flat.
    var range: (low: Double, high: Double) {
        let values = (lines.flatMap { $0 } + marks.map(\.y)).filter(\.isFinite)
        guard let low = values.min(), let high = values.max() else { return (0, 1) }
        if low == high { return (low - 0.5, high + 0.5) }
        return (low, high)
    }

    /// The chart as text: `width` by `height` characters of plot, with the axes around it.
    func render(width: Int, height: Int) -> String {
        let dotsX = 2 * width, dotsY = 4 * height
        var grid = [[Bool]](repeating: [Bool](repeating: false, count: dotsX), count: dotsY)
        let (low, high) = range
        func row(_ y: Double) -> Int {
            let t = (high - y) / (high - low)
            return Swift.min(dotsY - 1, Swift.max(0, Int((t * Double(dotsY - 1)).rounded())))
        }
        for series in lines where !series.isEmpty {
            // One value per dot column: the mean of the values falling in it (or the nearest one when there are fewer).
            var columns = [Double?](repeating: nil, count: dotsX)
            if series.count >= dotsX {
                for c in 0..<dotsX {
                    let from = c * series.count / dotsX, to = Swift.max(from + 1, (c + 1) * series.count / dotsX)
                    let bucket = series[from..<to].filter(\.isFinite)
                    if !bucket.isEmpty { columns[c] = bucket.reduce(0, +) / Double(bucket.count) }
                }
            } else {
                for (i, v) in series.enumerated() where v.isFinite {
                    let c = series.count == 1 ? 0 : Int((Double(i) * Double(dotsX - 1) / Double(series.count - 1)).rounded())
                    columns[c] = v
                }
            }
            var previous: (column: Int, row: Int)?
            for c in 0..<dotsX {
                guard let v = columns[c] else { continue }
                let r = row(v)
                grid[r][c] = true
                if let p = previous {
                    // Join to the previous point: a vertical run in this column, and the columns between.
                    let span = c - p.column
                    for k in 1...span {
                        let rk = p.row + Int((Double(r - p.row) * Double(k) / Double(span)).rounded())
                        let rj = p.row + Int((Double(r - p.row) * Double(k - 1) / Double(span)).rounded())
                        for rr in Swift.min(rk, rj)...Swift.max(rk, rj) { grid[rr][p.column + k] = true }
                    }
                }
                previous = (c, r)
            }
        }
        var cells = [[Character]](repeating: [Character](repeating: " ", count: width), count: height)
        for cy in 0..<height {
            for cx in 0..<width {
                var code: UInt32 = 0
                for dx in 0..<2 { for dy in 0..<4 where grid[cy * 4 + dy][cx * 2 + dx] { code |= Chart.bits[dx][dy] } }
                if code != 0 { cells[cy][cx] = Character(Unicode.Scalar(0x2800 + code)!) }
            }
        }
        for mark in marks where mark.y.isFinite && mark.x.isFinite {
            let cx = Swift.min(width - 1, Swift.max(0, Int((mark.x * Double(width - 1)).rounded())))
            cells[row(mark.y) / 4][cx] = symbol
        }
        let top = language.decimal(axisNumber(high)), bottom = language.decimal(axisNumber(low))
        let labelWidth = Swift.max(top.count, bottom.count)
        func pad(_ s: String) -> String { String(repeating: " ", count: labelWidth - s.count) + s }
        var out = [title]
        for cy in 0..<height {
            let label = cy == 0 ? pad(top) + " ┤" : (cy == height - 1 ? pad(bottom) + " ┤" : String(repeating: " ", count: labelWidth) + " │")
            var line = label + String(cells[cy])
            while line.last == " " { line.removeLast() }
            out.append(line)
        }
        out.append(String(repeating: " ", count: labelWidth) + " └" + String(repeating: "─", count: width))
        // x axis: the first number under the first column, the label in the middle, the last number at the end.
        var axis = [Character](repeating: " ", count: labelWidth + 2 + width)
        func put(_ text: String, at start: Int) {
            for (i, c) in text.enumerated() where start + i >= 0 && start + i < axis.count { axis[start + i] = c }
        }
        put(xFirst, at: labelWidth + 2)
        put(xLabel, at: labelWidth + 2 + (width - xLabel.count) / 2)
        put(xLast, at: labelWidth + 2 + width - xLast.count)
        out.append(String(axis).replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression))
        return out.joined(separator: "\n")
    }
}

/// An axis number: four significant digits at most, as the calculator prints.
func axisNumber(_ x: Double) -> String {
    guard x.isFinite, x != 0 else { return format(x) }
    let digits = Swift.max(0, 3 - Int(Foundation.floor(Foundation.log10(Swift.abs(x)))))
    return format((x * Foundation.pow(10, Double(digits))).rounded() / Foundation.pow(10, Double(digits)))
}
