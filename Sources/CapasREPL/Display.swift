import CapasCore
import CapasMessages

// How values print: numbers as the course writes them, matrices as aligned
// rows, tensors of three or more axes as one matrix per leading index.

enum Display {
    static func value(_ v: Value, language L: Language) -> String {
        switch v {
        case let .number(x): return format(x, L)
        case let .tensor(t): return tensor(t, language: L)
        }
    }

    static func tensor(_ t: Tensor, language L: Language) -> String {
        // A large result is described, not printed: 16 million numbers would be a 200 MB reply.
        if t.count > CalculatorLimits.printedValues {
            let shape = t.shape.map(String.init).joined(separator: "×")
            return L.pick(
                es: "(\(shape): \(t.count) valores; se muestran hasta \(CalculatorLimits.printedValues): usa sum, max, min, mean o shape para verlo)",
                en: "(\(shape): \(t.count) values; at most \(CalculatorLimits.printedValues) are shown: use sum, max, min, mean or shape to look at it)")
        }
        let cells = formatAll(t.data.map(Double.init)).map(L.decimal)
        switch t.rank {
        case 0: return cells.first ?? ""
        case 1: return "[" + align(cells).joined(separator: "  ") + "]"
        case 2: return matrix(cells, rows: t.shape[0], columns: t.shape[1])
        default:
            let plane = t.shape.suffix(2).reduce(1, *)
            let outer = Array(t.shape.dropLast(2))
            var blocks: [String] = []
            let width = align(cells).first?.displayWidth ?? 1
            for p in 0..<(t.count / max(plane, 1)) {
                // Index of this plane along the leading axes: [0] or [1, 2].
                var index: [Int] = [], rest = p
                for size in outer.reversed() { index.insert(rest % size, at: 0); rest /= size }
                let label = t.rank == 3 ? L.pick(es: "canal \(index[0])", en: "channel \(index[0])")
                                        : "[" + index.map(String.init).joined(separator: ", ") + ", :, :]"
                let slice = Array(cells[(p * plane)..<((p + 1) * plane)])
                blocks.append(label + ":\n" + matrix(slice, rows: t.shape[t.rank - 2], columns: t.shape[t.rank - 1], width: width))
            }
            return blocks.joined(separator: "\n")
        }
    }

    /// Numbers of one tensor with the same number of decimals (at most 4), so that columns line up.
    static func formatAll(_ values: [Double]) -> [String] {
        let texts = values.map(format)
        let decimals = texts.map { text in text.firstIndex(of: ".").map { text.distance(from: $0, to: text.endIndex) - 1 } ?? 0 }.max() ?? 0
        guard decimals > 0 else { return texts }
        return values.map { $0.isFinite ? String(format: "%.\(decimals)f", $0) : format($0) }
    }

    /// Right-aligned columns of equal width.
    static func align(_ cells: [String], width: Int? = nil) -> [String] {
        let w = width ?? cells.map(\.displayWidth).max() ?? 0
        return cells.map { String(repeating: " ", count: max(0, w - $0.displayWidth)) + $0 }
    }

    static func matrix(_ cells: [String], rows: Int, columns: Int, width: Int? = nil) -> String {
        let aligned = align(cells, width: width)
        return (0..<rows).map { r in
            let row = aligned[(r * columns)..<((r + 1) * columns)].joined(separator: "  ")
            let (open, close): (String, String)
            if rows == 1 { (open, close) = ("[", "]") } else if r == 0 { (open, close) = ("⎡", "⎤") }
            else if r == rows - 1 { (open, close) = ("⎣", "⎦") } else { (open, close) = ("⎢", "⎥") }
            return "\(open) \(row) \(close)"
        }.joined(separator: "\n")
    }

    /// One line in a table: text cells left-aligned, numbers right-aligned.
    static func table(_ rows: [[String]], numeric: Set<Int>) -> String {
        guard let first = rows.first else { return "" }
        let widths = (0..<first.count).map { c in rows.map { $0.count > c ? $0[c].displayWidth : 0 }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { c, cell in
                let pad = String(repeating: " ", count: max(0, widths[c] - cell.displayWidth))
                return numeric.contains(c) ? pad + cell : cell + pad
            }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }.joined(separator: "\n")
    }
}

import Foundation
