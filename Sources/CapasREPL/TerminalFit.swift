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
    /// than the line), and neither are formulas or code: a line breaks only
    /// at the spaces `breakableSpaces` allows, so `⌊(n + 2p − f)/s⌋ + 1`,
    /// `(f·f·c + 1)·k`, `conv(A, K)`, `` `code` `` and `:help functions` stay
    /// whole. A last line of one short lone unit (a word, `(:help functions).`)
    /// takes the unit before it along when that fits. Continuation lines start under the text after a
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
        let shallow = continuation.hasSuffix("# ") ? continuation : String(repeating: " ", count: min(continuation.count, indent + 2))
        // The line as units that never split, each with the spaces before it.
        // Everything below is linear in the line's length (fuzzed replies can be long).
        let chars = Array(line)
        let breakable = breakableSpaces(chars)
        var units: [(gap: String, text: String, width: Int)] = []
        var gap = "", text = "", hasContent = false, i = 0
        while i < chars.count {
            if chars[i] == " " && breakable[i] && hasContent {
                var j = i
                while j < chars.count && chars[j] == " " { j += 1 }
                units.append((gap, text, text.displayWidth))
                gap = String(chars[i..<j])
                text = ""
                hasContent = false
                i = j
            } else {
                text.append(chars[i])
                hasContent = hasContent || chars[i] != " "
                i += 1
            }
        }
        if !text.isEmpty { units.append((gap, text, text.displayWidth)) }

        // Greedy filling; `owners[k]` is how many units line k holds (0: a piece of a split unit).
        let continuationWidth = continuation.displayWidth, shallowWidth = shallow.displayWidth
        var lines: [String] = [], owners: [Int] = []
        var current = "", currentWidth = 0, count = 0
        func startLine(_ prefix: String, _ prefixWidth: Int, _ unit: (gap: String, text: String, width: Int)) {
            lines.append(current)
            owners.append(count)
            current = prefix + unit.text
            currentWidth = prefixWidth + unit.width
            count = 1
        }
        for unit in units {
            if count == 0 {
                let prefix = lines.isEmpty ? "" : continuation
                current = prefix + (lines.isEmpty ? Substring(unit.text) : unit.text.drop { $0 == " " })
                currentWidth = current.displayWidth
                count = 1
                if currentWidth <= width { continue }
            } else if currentWidth + unit.gap.count + unit.width <= width {
                current += unit.gap + unit.text
                currentWidth += unit.gap.count + unit.width
                count += 1
                continue
            } else if continuationWidth + unit.width <= width {
                startLine(continuation, continuationWidth, unit)
                continue
            } else if shallowWidth + unit.width <= width {
                // Too wide under the hanging indent, but it fits nearer the margin.
                startLine(shallow, shallowWidth, unit)
                continue
            } else {
                current += unit.gap + unit.text
                currentWidth += unit.gap.count + unit.width
                count += 1
            }
            // One unit wider than the line: split it at any space, or in a word if it must.
            var rest = Substring(current), restWidth = currentWidth, prefix = "", prefixWidth = 0
            // A run without spaces wider than a line (a long matrix literal) is cut anyway:
            // then break where the words fall, not before an `=` far from the cut.
            let hasHugeRun = current.split(separator: " ").contains { $0.displayWidth > width - continuationWidth }
            while prefixWidth + restWidth > width {
                let (head, tail) = hasHugeRun ? breakAt(rest, columns: width - prefixWidth)
                                              : breakFormula(rest, columns: width - prefixWidth)
                lines.append(prefix + head)
                owners.append(0)
                let spaces = tail.prefix { $0 == " " }
                rest = tail[spaces.endIndex...]
                restWidth = max(0, restWidth - head.displayWidth - spaces.count)
                prefix = continuation
                prefixWidth = continuationWidth
                if rest.isEmpty { break }
            }
            current = rest.isEmpty ? "" : prefix + rest
            currentWidth = rest.isEmpty ? 0 : prefixWidth + restWidth
            count = rest.isEmpty ? 0 : 1
        }
        if count > 0 {
            lines.append(current)
            owners.append(count)
        }
        // A short lone unit on the last line: bring down the unit before it.
        // Only within running text (single spaces), and never leaving a lone word above instead.
        if lines.count >= 2, owners[lines.count - 1] == 1, owners[lines.count - 2] >= 3,
           let last = units.last, last.width <= width / 3, units.suffix(3).allSatisfy({ $0.gap == " " }) {
            let moved = units[units.count - 2]
            let joined = continuation + moved.text + last.gap + last.text
            let previous = lines[lines.count - 2]
            if joined.displayWidth <= width, previous.hasSuffix(moved.gap + moved.text) {
                lines[lines.count - 2] = String(previous.dropLast(moved.gap.count + moved.text.count))
                lines[lines.count - 1] = joined
            }
        }
        return lines.map { $0.trimmingTrailingSpaces() }
    }

    /// Which spaces of a line may end a wrapped line: not inside a `code`
    /// span, not inside the brackets of a call (`max(0, x)`, `conv(A, K)`),
    /// not next to an operator standing alone (`n + 2p`, `= 14`, `5 · 5`),
    /// not after a command (`:help functions`) or an initial (`p. ej.`),
    /// and not between a count and the word it counts (`320 parámetros`).
    static func breakableSpaces(_ chars: [Character]) -> [Bool] {
        var keep = [Bool](repeating: false, count: chars.count)
        // Code spans, when their closing backtick is on the line.
        var open: Int?
        for (i, c) in chars.enumerated() where c == "`" {
            if let o = open {
                for k in o...i { keep[k] = true }
                open = nil
            } else {
                open = i
            }
        }
        // Brackets right after a name: a call or an index.
        let pairs: [Character: Character] = ["(": ")", "[": "]", "{": "}", "⌊": "⌋", "⌈": "⌉"]
        var stack: [(index: Int, close: Character, attached: Bool)] = []
        var depth = [Int](repeating: 0, count: chars.count + 1)  // +1 where a call opens, −1 after it closes
        for (i, c) in chars.enumerated() {
            if let close = pairs[c] {
                let attached = i > 0 && (chars[i - 1].isLetter || chars[i - 1].isNumber || chars[i - 1] == "_")
                stack.append((i, close, attached))
            } else if let top = stack.last, top.close == c {
                stack.removeLast()
                if top.attached { depth[top.index] += 1; depth[i + 1] -= 1 }
            }
        }
        var inside = 0
        for i in chars.indices {
            inside += depth[i]
            if inside > 0 { keep[i] = true }
        }
        let operators = Set("+−-=·×*/≈≤≥<>")
        func token(endingBefore end: Int) -> Substring {
            var start = end
            while start > 0 && chars[start - 1] != " " { start -= 1 }
            return Substring(String(chars[start..<end]))
        }
        func token(startingAt start: Int) -> Substring {
            var end = start
            while end < chars.count && chars[end] != " " { end += 1 }
            return Substring(String(chars[start..<end]))
        }
        var result = [Bool](repeating: false, count: chars.count)
        var i = 0
        while i < chars.count {
            guard chars[i] == " " else { i += 1; continue }
            var j = i
            while j < chars.count && chars[j] == " " { j += 1 }
            let before = token(endingBefore: i), after = token(startingAt: j)
            let isOperator = { (t: Substring) in !t.isEmpty && t.allSatisfy { operators.contains($0) } }
            let command = before.drop { "([{\"'".contains($0) }
            let afterCommand = command.first == ":" && command.dropFirst().first?.isLetter == true
            // An abbreviation's initial stays with what follows: `p. ej.`, `e. g.`
            let initial = before.count == 2 && before.first?.isLetter == true && before.last == "."
            // A count stays with what it counts: `320 parámetros`, `144 píxeles`.
            let count = !before.isEmpty && before.allSatisfy({ $0.isNumber || $0 == "," || $0 == "\u{00A0}" })
                && after.first?.isLetter == true
            let free = !keep[i] && !isOperator(before) && !isOperator(after) && !afterCommand && !initial && !count && j < chars.count
            for k in i..<j { result[k] = free }
            i = j
        }
        return result
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
                if j < chars.count { gaps.append(j) }
                i = j
            } else { i += 1 }
        }
        // Only the first and the last gap are candidates: measure just those.
        let columns = [gaps.last, gaps.first].compactMap { $0 }.map { String(chars[..<$0]).displayWidth }
        for column in columns where width - column >= 20 {
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

    /// A formula wider than the line breaks as typesetters break one: before
    /// its last `=` (or `≈`) that fits, so the next line starts `= …`, else
    /// before its last operator that fits (`+ …`); without one, as `breakAt` does.
    static func breakFormula(_ text: Substring, columns: Int) -> (Substring, Substring) {
        var used = 0, beforeEquals: String.Index?, beforeOperator: String.Index?, index = text.startIndex
        var seenContent = false
        while index < text.endIndex {
            let c = text[index]
            used += String(c).displayWidth
            if used > columns { break }
            let next = text.index(after: index)
            if c != " " { seenContent = true }
            if c == " ", next < text.endIndex, seenContent {
                let token = text[next...].prefix { $0 != " " }
                if token == "=" || token == "≈" { beforeEquals = index }
                if !token.isEmpty && token.allSatisfy({ "+−-·×*/=≈".contains($0) }) { beforeOperator = index }
            }
            index = next
        }
        if let best = beforeEquals ?? beforeOperator { return (text[..<best], text[best...]) }
        return breakAt(text, columns: columns)
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
