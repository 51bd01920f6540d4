import CapasMessages

// What the REPL prints, fitted to the terminal's width: prose wraps at word
// boundaries with a hanging indent, layer tables drop or shorten columns,
// pictures and source excerpts are left as they are. Widths are terminal
// columns (`displayWidth`). Output to a pipe is never fitted: transcripts and
// scripts see the same text at any width (COLUMNS is not read for it).

public enum TerminalFit {
    /// `text` fitted to `width` columns. Lines that fit are unchanged.
    public static func fit(_ text: String, width: Int) -> String {
        guard width >= 20 else { return text }
        var lines = text.components(separatedBy: "\n")
        lines = fitTables(lines, width: width)
        var out: [String] = []
        for (i, line) in lines.enumerated() {
            let next = i + 1 < lines.count ? lines[i + 1] : ""
            if line.displayWidth <= width || !isProse(line) || isCaretLine(next) {
                out.append(line)
            } else {
                out += wrap(line, width: width)
            }
        }
        return out.joined(separator: "\n")
    }

    /// Lines a word wrap would spoil: pictures (escapes, blocks), matrices,
    /// source excerpts (`1 | conv …`) and table rules.
    static func isProse(_ line: String) -> Bool {
        if line.unicodeScalars.contains(where: { $0 == "\u{1B}" || "⎡⎢⎣▀▄█░▒▓─│".unicodeScalars.contains($0) }) {
            return false
        }
        let trimmed = line.drop { $0 == " " }
        let beforeBar = trimmed.prefix { $0.isNumber || $0 == " " }
        if trimmed.dropFirst(beforeBar.count).hasPrefix("| ") || trimmed.dropFirst(beforeBar.count) == "|" { return false }
        return true
    }

    /// `   ^~~~` under an excerpt: the line above must keep its columns.
    static func isCaretLine(_ line: String) -> Bool {
        let t = line.drop { $0 == " " || $0 == "|" || $0 == "\t" }
        return t.first == "^" && t.allSatisfy { $0 == "^" || $0 == "~" || $0 == " " }
            || (line.contains("| ") && line.contains("^") && line.allSatisfy { " |^~0123456789".contains($0) })
    }

    /// One long line as several: words never split (unless one alone is wider
    /// than the line). Continuation lines start under the text after a
    /// definition's gap (`  input 28x28x1      the input …`), after a short
    /// label (`note: `, `error: `), or at the line's own indent.
    static func wrap(_ line: String, width: Int) -> [String] {
        let indent = line.prefix { $0 == " " }.count
        var continuation = String(repeating: " ", count: hangingColumn(line, indent: indent, width: width))
        // A comment goes on as a comment: `# …` under its `#`.
        if let hash = line.firstIndex(of: "#"), line[..<hash].allSatisfy({ $0 == " " }) || line[..<hash].hasSuffix("  ") {
            let column = line[..<hash].displayWidth
            continuation = String(repeating: " ", count: min(column, max(0, width - 24))) + "# "
        }
        var result: [String] = []
        var rest = Substring(line)
        var limit = width
        var prefix = ""
        while prefix.displayWidth + rest.displayWidth > width {
            let (head, tail) = breakAt(rest, columns: limit - prefix.displayWidth)
            result.append(prefix + head)
            rest = tail.drop { $0 == " " }
            prefix = continuation
            limit = width
            if rest.isEmpty { break }
        }
        if !rest.isEmpty { result.append(prefix + rest) }
        return result.map { $0.trimmingTrailingSpaces() }
    }

    /// The column continuation lines start at.
    static func hangingColumn(_ line: String, indent: Int, width: Int) -> Int {
        let chars = Array(line)
        // A gap of two or more spaces after the first word: a definition list or a table row.
        var i = indent, gaps: [Int] = []
        while i < chars.count - 1 {
            if chars[i] == " " && chars[i + 1] == " " {
                var j = i
                while j < chars.count && chars[j] == " " { j += 1 }
                if j < chars.count { gaps.append(String(chars[..<j]).displayWidth) }
                i = j
            } else { i += 1 }
        }
        for column in [gaps.last, gaps.first].compactMap({ $0 }) where width - column >= 20 {
            return column
        }
        // A short label ending in `: ` (note: , error: , nota: ).
        let text = chars[indent...]
        if let colon = text.firstIndex(of: ":"), colon - indent <= 12, colon + 1 < chars.count, chars[colon + 1] == " ",
           !chars[indent..<colon].contains(" "), width - (colon + 2) >= 20 {
            return String(chars[..<(colon + 2)]).displayWidth
        }
        return indent > 0 ? indent + 2 : indent
    }

    /// The longest head of `text` that fits `columns` and ends before a
    /// space; a single word wider than that is cut at `columns`.
    static func breakAt(_ text: Substring, columns: Int) -> (Substring, Substring) {
        var used = 0, lastSpace: String.Index?, index = text.startIndex
        while index < text.endIndex {
            let c = text[index]
            let w = String(c).displayWidth
            if used + w > columns { break }
            if c == " " { lastSpace = index }
            used += w
            index = text.index(after: index)
        }
        if index == text.endIndex { return (text, "") }
        if text[index] == " " { return (text[..<index], text[index...]) }
        if let lastSpace, text[..<lastSpace].contains(where: { $0 != " " }) {
            return (text[..<lastSpace], text[lastSpace...])
        }
        if index == text.startIndex { index = text.index(after: index) }  // a character wider than the line
        return (text[..<index], text[index...])
    }

    /// A redrawn progress line (`\repoch 1/5 ██████░░░░ 300/938  loss …`) kept
    /// on one line: wider than the terminal, its bar gets shorter (down to 5
    /// cells), for a wrapped line could no longer be redrawn in place.
    public static func fitBar(_ text: String, width: Int) -> String {
        let visible = text.displayWidth
        guard visible >= width, let first = text.firstIndex(where: { $0 == "█" || $0 == "░" }) else { return text }
        let end = text[first...].firstIndex { $0 != "█" && $0 != "░" } ?? text.endIndex
        let cells = text.distance(from: first, to: end)
        let filled = text[first..<end].filter { $0 == "█" }.count
        let keep = max(5, cells - (visible - width + 1))
        guard keep < cells else { return text }
        let shownFilled = cells > 0 ? filled * keep / cells : 0
        let bar = String(repeating: "█", count: shownFilled) + String(repeating: "░", count: keep - shownFilled)
        return String(text[..<first]) + bar + String(text[end...])
    }

    // MARK: tables

    /// Tables drawn as a header, a rule of `─`, rows and a closing rule (the
    /// layer table of :summary) are narrowed like torchinfo's col_width and
    /// Keras' line_length: the multiply-adds column goes first, then the
    /// type column, then the layer column is shortened with `…`.
    static func fitTables(_ lines: [String], width: Int) -> [String] {
        var out: [String] = []
        var i = 0
        while i < lines.count {
            if i + 1 < lines.count, isRule(lines[i + 1]), !isRule(lines[i]), lines[i + 1].displayWidth > width,
               let end = lines[(i + 2)...].firstIndex(where: isRule) {
                out += fitTable(header: lines[i], rows: Array(lines[(i + 2)..<end]), width: width)
                i = end + 1
            } else {
                out.append(lines[i])
                i += 1
            }
        }
        return out
    }

    static func isRule(_ line: String) -> Bool { !line.isEmpty && line.allSatisfy { $0 == "─" } }

    static let droppable: [Set<String>] = [["mult-adds", "mult-sumas"], ["type", "tipo"]]

    static func fitTable(header: String, rows: [String], width: Int) -> [String] {
        let all = [header] + rows
        let grid = all.map { Array($0) }
        let length = grid.map(\.count).max() ?? 0
        // Gutters: two or more positions that are blank in every line.
        let blank = (0..<length).map { p in grid.allSatisfy { p >= $0.count || $0[p] == " " } }
        var spans: [Range<Int>] = [], p = 0
        while p < length {
            while p < length && blank[p] { p += 1 }
            guard p < length else { break }
            var end = p
            while end < length && !(blank[end] && (end + 1 >= length || blank[end + 1])) { end += 1 }
            spans.append(p..<end)
            p = end
        }
        func cell(_ line: [Character], _ span: Range<Int>) -> String {
            span.lowerBound >= line.count ? "" : String(line[span.lowerBound..<min(span.upperBound, line.count)])
        }
        var columns = spans.map { span in grid.map { cell($0, span) } }
        func total() -> Int { columns.map { $0.map(\.displayWidth).max() ?? 0 }.reduce(0, +) + 2 * max(0, columns.count - 1) }
        for names in droppable where total() > width {
            columns.removeAll { names.contains($0[0].trimmingCharacters(in: .whitespaces)) }
        }
        if total() > width, !columns.isEmpty {
            let others = total() - (columns[0].map(\.displayWidth).max() ?? 0)
            let room = max(6, width - others)
            columns[0] = columns[0].map { text in
                var t = text.trimmingTrailingSpaces()
                guard t.displayWidth > room else { return t }
                while t.displayWidth > room - 1 { t.removeLast() }
                return t + "…"
            }
        }
        let widths = columns.map { $0.map(\.displayWidth).max() ?? 0 }
        let lines = all.indices.map { r in
            columns.indices.map { c in
                columns[c][r] + String(repeating: " ", count: max(0, widths[c] - columns[c][r].displayWidth))
            }.joined(separator: "  ").trimmingTrailingSpaces()
        }
        let rule = String(repeating: "─", count: widths.reduce(0, +) + 2 * max(0, widths.count - 1))
        return [lines[0], rule] + lines.dropFirst() + [rule]
    }
}

extension StringProtocol {
    func trimmingTrailingSpaces() -> String {
        var s = String(self)
        while s.last == " " { s.removeLast() }
        return s
    }
}
