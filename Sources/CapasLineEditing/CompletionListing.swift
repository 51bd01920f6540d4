import CapasMessages

/// The list of candidates shown on a second Tab, laid out as bash and GNU
/// readline do, but measured in terminal columns (`displayWidth`), so names
/// with ñ, accents or 东 line up: every column is as wide as the widest name
/// plus two spaces, as many columns as fit, filled top to bottom.
public enum CompletionListing {
    /// The lines to show for `candidates` on a terminal `width` columns wide.
    /// File names are shown without the folder they share (`models/año.capas`
    /// is listed as `año.capas`). No line ends in spaces.
    /// A list longer than `maxRows` rows shows its first `maxRows` rows and a
    /// last line `… +N` with how many were left out (in place of libedit's
    /// question, and never a screenful of names).
    public static func lines(_ candidates: [String], width: Int, maxRows: Int = 20) -> [String] {
        var names = shownNames(candidates)
        guard !names.isEmpty else { return [] }
        let column = (names.map { displayWidth($0) }.max() ?? 0) + 2
        // The last column needs no gap after it; one column is kept free so
        // that a full line never makes the terminal wrap.
        let perRow = max(1, (max(width, 1) + 1) / column)
        var leftOut = 0
        if names.count > perRow * max(1, maxRows) {
            leftOut = names.count - perRow * max(1, maxRows)
            names.removeLast(leftOut)
        }
        let widths = names.map { displayWidth($0) }
        let rows = (names.count + perRow - 1) / perRow
        var lines: [String] = []
        for row in 0..<rows {
            var line = ""
            var index = row
            while index < names.count {
                let next = index + rows
                line += names[index]
                if next < names.count {
                    line += String(repeating: " ", count: column - widths[index])
                }
                index = next
            }
            lines.append(line)
        }
        if leftOut > 0 { lines.append("… +\(leftOut)") }
        return lines
    }

    /// The candidates without the folder prefix they all share (up to its last `/`).
    static func shownNames(_ candidates: [String]) -> [String] {
        func folder(_ name: String) -> Substring {
            let body = name.hasSuffix("/") ? name.dropLast() : Substring(name)
            guard let slash = body.lastIndex(of: "/") else { return "" }
            return name[...slash]
        }
        guard let first = candidates.first else { return [] }
        let shared = folder(first)
        guard !shared.isEmpty, candidates.allSatisfy({ folder($0) == shared }) else { return candidates }
        return candidates.map { String($0.dropFirst(shared.count)) }
    }
}
