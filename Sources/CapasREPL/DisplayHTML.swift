import CapasCore
import CapasMessages

// A calculation's value as HTML tables (Jupyter's text/html, beside the
// text/plain the REPL prints): the same numbers, formatted as Display formats
// them, one table per matrix; a name and notes escaped as text.

extension Display {
    /// Nil for a single number (the text says it all) and for a tensor too large to print.
    static func html(_ value: Value, name: String?, notes: [String], language L: Language) -> String? {
        guard case let .tensor(t) = value, t.rank >= 1, t.count <= CalculatorLimits.printedValues else { return nil }
        let cells = formatAll(t.data.map(Double.init)).map(L.decimal)
        var tables: [String] = []
        switch t.rank {
        case 1:
            tables.append(HTML.table(header: nil, rows: [cells], rightAligned: Set(cells.indices), className: "capas-matrix"))
        default:
            let rows = t.shape[t.rank - 2], columns = t.shape[t.rank - 1]
            let plane = rows * columns
            let outer = Array(t.shape.dropLast(2))
            for p in 0..<(plane == 0 ? 0 : t.count / plane) {
                var caption: String?
                if t.rank > 2 {
                    var index: [Int] = [], rest = p
                    for size in outer.reversed() { index.insert(rest % size, at: 0); rest /= size }
                    caption = t.rank == 3 ? L.pick(es: "canal \(index[0])", en: "channel \(index[0])")
                                          : "[" + index.map(String.init).joined(separator: ", ") + ", :, :]"
                }
                let matrix = (0..<rows).map { r in Array(cells[(p * plane + r * columns)..<(p * plane + (r + 1) * columns)]) }
                tables.append(HTML.table(header: nil, rows: matrix, rightAligned: Set(0..<columns), className: "capas-matrix",
                                         caption: caption))
            }
        }
        let title = name.map { "<p style=\"margin: 0.2em 0\"><code>" + HTML.escape($0) + "</code> =</p>" } ?? ""
        let shown = notes.map(HTML.note).joined()
        return "<div class=\"capas-result\">" + title + tables.joined() + shown + "</div>"
    }
}
