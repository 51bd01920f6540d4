import CapasCore
import CapasMessages

// The model table: what torchinfo and Keras' model.summary() print, from the
// text alone, with the course's H×W×C shapes.

extension ModelAnalysis {
    /// A table of layers with output shape, parameters and multiply-adds, then totals.
    /// With `frozen` (top-level layer numbers, as `:freeze` takes them) the table
    /// gains a `#` column, frozen layers are marked `*` and the totals split
    /// trainable and frozen parameters, as torchinfo and Keras print them.
    public func summary(language L: Language, batchSize: Int = 1, frozen: Set<Int>? = nil) throws -> String {
        try summaryTable(language: L, batchSize: batchSize, frozen: frozen).text
    }

    /// The same summary as cells and notes, for text and for HTML.
    public func summaryTable(language L: Language, batchSize: Int = 1, frozen: Set<Int>? = nil) throws -> SummaryTable {
        let numbered = frozen != nil
        let header = (numbered ? ["#"] : []) + [L.pick(es: "capa", en: "layer"), L.pick(es: "tipo", en: "type"),
                      L.pick(es: "salida", en: "output"), L.pick(es: "parámetros", en: "params"),
                      L.pick(es: "mult-sumas", en: "mult-adds")]
        var rows: [[String]] = [(numbered ? [""] : []) + ["input", "", input.description, "", ""]]
        var depths = [0]
        var frozenCount = 0
        for layer in layers {
            let text: String
            switch layer.resolved {
            case .add: text = L.pick(es: "suma residual", en: "residual add")
            case .concat: text = L.pick(es: "concatenación", en: "concatenate")
            default: text = layer.spec?.text ?? ""
            }
            let top = layer.name.split(separator: ".").first.flatMap { Int($0) }
            let isFrozen = top.map { frozen?.contains($0) ?? false } ?? false
            if isFrozen { frozenCount += layer.parameters }
            let number = layer.depth == 0 ? layer.name + (isFrozen ? "*" : "") : ""
            rows.append((numbered ? [number] : []) + [text, layer.resolved.torchName, layer.outputShape.description,
                         grouped(layer.parameters + layer.buffers, language: L), grouped(layer.multiplyAdds, language: L)])
            depths.append(layer.depth)
        }

        var notes: [String] = []
        let params = try totalParameters(), buffers = try totalBuffers(), macs = try totalMultiplyAdds()
        if numbered {
            let trainable = params - frozenCount
            notes.append(L.pick(es: "Parámetros entrenables: \(grouped(trainable, language: L))", en: "Trainable parameters: \(grouped(trainable, language: L))"))
            notes.append(L.pick(es: "Parámetros congelados (capas con *): \(grouped(frozenCount, language: L))",
                                en: "Frozen parameters (layers marked *): \(grouped(frozenCount, language: L))"))
        } else {
            notes.append(L.pick(es: "Parámetros entrenables: \(grouped(params, language: L))", en: "Trainable parameters: \(grouped(params, language: L))"))
        }
        if buffers > 0 {
            notes.append(L.pick(es: "No entrenables (medias y varianzas móviles de batchnorm): \(grouped(buffers, language: L))",
                                en: "Non-trainable (batchnorm running means and variances): \(grouped(buffers, language: L))"))
        }
        notes.append(L.pick(es: "Multiplicaciones-sumas por imagen: \(grouped(macs, language: L)) (≈ \(approximate(2 * Double(macs), L)) FLOPs)",
                            en: "Multiply-adds per image: \(grouped(macs, language: L)) (≈ \(approximate(2 * Double(macs), L)) FLOPs)"))
        notes.append(L.pick(es: "  (convención de torchinfo: el sesgo cuenta una multiplicación-suma por valor de salida)",
                            en: "  (torchinfo's convention: a bias counts as one multiply-add per output value)"))
        let paramBytes = Double(params + buffers) * 4
        let activations = Double(try activationValues()) * 4 * Double(batchSize)
        notes.append(L.pick(es: "Memoria: parámetros \(bytes(paramBytes, L)), activaciones \(bytes(activations, L)) por lote de \(batchSize)",
                            en: "Memory: parameters \(bytes(paramBytes, L)), activations \(bytes(activations, L)) per batch of \(batchSize)"))
        return SummaryTable(header: header, rows: rows, depths: depths, layerColumn: numbered ? 1 : 0,
                            firstNumeric: numbered ? 4 : 3, notes: notes)
    }
}

/// `:summary`'s table: one row per layer (the input first), then the totals as notes.
public struct SummaryTable: Equatable, Sendable {
    public var header: [String]
    /// Each row's cells, as `header`; the layer's text without its indentation.
    public var rows: [[String]]
    /// Each row's nesting depth (a layer inside a block is 1 deeper).
    public var depths: [Int]
    /// The column of the layer's text, and the first right-aligned (numeric) column.
    public var layerColumn: Int, firstNumeric: Int
    /// The lines below the table: totals and memory.
    public var notes: [String]

    /// Aligned columns under a rule, then the notes (what the REPL prints).
    public var text: String {
        let cells = rows.enumerated().map { r, row in
            row.enumerated().map { c, cell in c == layerColumn ? String(repeating: "  ", count: depths[r]) + cell : cell }
        }
        let widths = (0..<header.count).map { c in ([header] + cells).map { $0[c].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { c, cell in
                c >= firstNumeric ? String(repeating: " ", count: widths[c] - cell.count) + cell
                    : cell + String(repeating: " ", count: widths[c] - cell.count)
            }.joined(separator: "  ").trimmingTrailingSpaces()
        }
        let rule = String(repeating: "─", count: widths.reduce(0, +) + 2 * (widths.count - 1))
        return ([line(header), rule] + cells.map(line) + [rule] + notes).joined(separator: "\n") + "\n"
    }

    /// The same table as HTML (Jupyter's text/html): escaped cells, numbers right-aligned,
    /// nested layers indented, the notes as paragraphs.
    public var html: String {
        var indents: [Int: Int] = [:]
        for (r, depth) in depths.enumerated() where depth > 0 { indents[r] = depth }
        return "<div class=\"capas-summary\">"
            + HTML.table(header: header, rows: rows, rightAligned: Set(firstNumeric..<header.count), indents: indents,
                         indentColumn: layerColumn, className: "capas-summary")
            + notes.map { HTML.note(String($0.drop(while: { $0 == " " }))) }.joined()
            + "</div>"
    }
}

/// 21840 → "21,840" (English).
public func grouped(_ n: Int) -> String { grouped(n, language: .en) }

/// The separator between groups of three digits in Spanish: a no-break space
/// (U+00A0), which terminals show as a space and which keeps a number on one line.
public let spanishDigitSeparator: Character = "\u{00A0}"

/// An integer with its digits grouped as the learner's language writes them:
/// English 61,100,840; Spanish 61 100 840 (a no-break space every three
/// digits, following the RAE and ISO 80000: numbers of four digits are not
/// split, 5020 rather than 5 020).
public func grouped(_ n: Int, language L: Language) -> String {
    let digits = String(n.magnitude)
    let separator: Character = L == .es ? spanishDigitSeparator : ","
    if L == .es && digits.count <= 4 { return (n < 0 ? "-" : "") + digits }
    var out = ""
    for (i, ch) in digits.reversed().enumerated() {
        if i > 0 && i % 3 == 0 { out.append(separator) }
        out.append(ch)
    }
    return (n < 0 ? "-" : "") + String(out.reversed())
}

/// 466600 → "466.6k" (English), "466,6k" (Spanish).
func approximate(_ x: Double, _ L: Language) -> String {
    for (limit, suffix) in [(1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")] where x >= limit {
        return L.decimal(format1(x / limit)) + suffix
    }
    return String(Int(x))
}

/// 34,000 bytes → "33.2 KiB" (English), "33,2 KiB" (Spanish).
func bytes(_ x: Double, _ L: Language) -> String {
    for (limit, suffix) in [(1024.0 * 1024 * 1024, "GiB"), (1024.0 * 1024, "MiB"), (1024.0, "KiB")] where x >= limit {
        return L.decimal(format1(x / limit)) + " " + suffix
    }
    return "\(Int(x)) B"
}

func format1(_ x: Double) -> String {
    let r = (x * 10).rounded() / 10
    return r == r.rounded() ? String(Int(r)) : String(r)
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var s = self
        while s.last == " " { s.removeLast() }
        return s
    }
}
