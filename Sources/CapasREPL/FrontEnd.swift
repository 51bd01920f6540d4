import CapasMessages
import CapasModel
import Foundation

// What a front end other than the terminal needs from a session (the Jupyter
// kernel): pictures as PNG images instead of text, a cell split into entries,
// the kind of an entry, help for a word, and whether a cell is complete.

/// A PNG image and its size in pixels; a figure drawn from shapes (the training
/// curves) also comes as SVG text, and says in words what it shows.
public struct PNGImage: Equatable, Sendable {
    public let bytes: [UInt8]
    public let width: Int, height: Int
    /// The same picture as an SVG document (nil for pictures of pixels: `:show`, `:filters`).
    public var svg: String? = nil
    /// A description in the session's language, for a front end to show when it cannot show pictures.
    public var description: String? = nil

    /// What a notebook shows for the picture as text/plain: its description, or its size.
    public func alt(_ L: Language) -> String {
        description ?? L.pick(es: "imagen de \(width)×\(height) píxeles", en: "\(width)×\(height) pixel image")
    }
}

/// Where pictures go when the session draws with `PictureStyle.pixels`: each
/// `:show`, `:filters` and training curve becomes one PNG, in order.
public final class PictureSink: @unchecked Sendable, Equatable {
    /// The longest side a picture keeps (a larger one is shrunk).
    static let largestSide = 512
    public private(set) var images: [PNGImage] = []

    public init() {}

    /// The images drawn since the last call, oldest first.
    public func take() -> [PNGImage] {
        defer { images = [] }
        return images
    }

    public static func == (a: PictureSink, b: PictureSink) -> Bool { a === b }

    /// A figure as PNG and as SVG text, with the words that describe it. The SVG starts at its `<svg>`
    /// element, without the XML declaration a file has (a notebook puts it inside its own page, as IPython's SVG does).
    func keep(_ figure: Figure, description: String) {
        let file = figure.svg
        let svg = file.range(of: "<svg").map { String(file[$0.lowerBound...]) } ?? file
        images.append(PNGImage(bytes: PNG.encode(Raster(figure)), width: figure.width, height: figure.height,
                               svg: svg, description: description))
    }

    /// Panels left to right, each picture enlarged to be seen and its caption above it, in rows at most `maxWidth` wide.
    func keep(_ panels: [Panel], maxWidth: Int = 900) {
        guard !panels.isEmpty else { return }
        let gap = 16, lineHeight = Int(Figure.textHeight) + 6, margin = 8
        // One scale for every panel: the largest picture about 112 pixels a side, at most 8 times its size.
        let side = panels.map { max($0.picture.width, $0.picture.height) }.max() ?? 1
        let scale = max(1, min(8, 112 / max(side, 1)))
        let captionLines = panels.map(\.caption.count).max() ?? 0
        func boxWidth(_ p: Panel) -> Int {
            max(p.picture.width * scale, p.caption.map { Int(Figure.textWidth($0)) }.max() ?? 0)
        }
        var rows: [[Panel]] = [[]], used = 0
        for panel in panels {
            let w = boxWidth(panel)
            if !rows[rows.count - 1].isEmpty && used + gap + w > maxWidth - 2 * margin { rows.append([]); used = 0 }
            used += (rows[rows.count - 1].isEmpty ? 0 : gap) + w
            rows[rows.count - 1].append(panel)
        }
        let rowHeight = captionLines * lineHeight + (panels.map(\.picture.height).max() ?? 0) * scale
        let width = (rows.map { row in row.map(boxWidth).reduce(0, +) + gap * max(0, row.count - 1) }.max() ?? 0) + 2 * margin
        let height = rows.count * rowHeight + (rows.count - 1) * gap + 2 * margin
        var raster = Raster(width: width, height: height, background: .white)
        var top = margin
        for row in rows {
            var left = margin
            for panel in row {
                for (i, line) in panel.caption.enumerated() {
                    raster.text(Double(left), Double(top + (i + 1) * lineHeight - 4), line, .start, .black)
                }
                let p = panel.picture, y0 = top + captionLines * lineHeight
                for y in 0..<(p.height * scale) {
                    for x in 0..<(p.width * scale) {
                        let (r, g, b) = p.rgb(x / scale, y / scale)
                        raster.set(left + x, y0 + y, Figure.Color(r: r, g: g, b: b))
                    }
                }
                left += boxWidth(panel) + gap
            }
            top += rowHeight + gap
        }
        images.append(PNGImage(bytes: PNG.encode(raster), width: width, height: height))
    }
}

extension Interpreter {
    /// What kind of entry a text is: a command, a line of the model language, or a calculation.
    public enum EntryKind: Equatable, Sendable { case command, model, calculation, empty }

    public func kind(of entry: String) -> EntryKind {
        let trimmed = entry.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty || trimmed.hasPrefix("#") { return .empty }
        if trimmed.hasPrefix(":") { return .command }
        return isModelLine(trimmed) ? .model : .calculation
    }

    /// A cell's entries and the line (1-based, in the cell) where each starts:
    /// its lines, joined while a bracket or a block is open.
    public func entries(of cell: String) -> [(text: String, line: Int)] {
        var out: [(String, Int)] = [], line = 1
        for entry in Notebook.entries(in: cell, interpreter: self) {
            out.append((entry, line))
            line += entry.split(separator: "\n", omittingEmptySubsequences: false).count
        }
        return out
    }

    /// Whether a cell can run as it is.
    public enum Completeness: Equatable, Sendable {
        case complete
        /// A bracket or a block (`residual {`, `concat {`) is still open: the cell goes on.
        case incomplete
        /// A bracket closes that was never opened: no more lines can mend it.
        case invalid
    }

    public func completeness(of cell: String) -> Completeness {
        if needsContinuation(cell) { return .incomplete }
        var depth = 0
        for line in cell.split(separator: "\n", omittingEmptySubsequences: false) {
            for c in line.prefix(while: { $0 != "#" }) {
                if "([{".contains(c) { depth += 1 } else if ")]}".contains(c) { depth -= 1 }
                if depth < 0 { return .invalid }
            }
        }
        return .complete
    }

    /// The help `:help WORD` gives, or nil when there is none for that word (the session is not changed).
    public func help(for word: String) -> String? {
        let key = word.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: ": "))
        guard !key.isEmpty, Help.names.contains(key) || Help.names.contains(":" + key) else { return nil }
        var scratch: Interpreter?
        return Help.text(topic: word, language: L) { example in
            let session = scratch ?? Interpreter(language: L, environment: environment)
            scratch = session
            return session.execute(example)
        }
    }
}
