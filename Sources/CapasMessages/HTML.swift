// HTML for rich outputs (Jupyter's text/html): every piece of text goes
// through `escape`, so what a learner typed (a layer line, a variable name)
// is shown as text and never becomes markup.

public enum HTML {
    /// `&`, `<`, `>`, `"` and `'` as character references; the rest as is.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for ch in text {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(ch)
            }
        }
        return out
    }

    /// A table: the header row (if any) in `<thead>`, the cells escaped; columns in
    /// `rightAligned` (numbers) right-aligned, the others left-aligned. `indents[r]` (in em) indents row r's cell in `indentColumn`.
    public static func table(header: [String]?, rows: [[String]], rightAligned: Set<Int> = [], indents: [Int: Int] = [:], indentColumn: Int = 0,
                             className: String, caption: String? = nil) -> String {
        func cell(_ tag: String, _ text: String, column: Int, indent: Int) -> String {
            // Explicit both ways: JupyterLab's own style right-aligns every cell.
            var style = [rightAligned.contains(column) ? "text-align: right" : "text-align: left"]
            if indent > 0 { style.append("padding-left: \(indent)em") }
            return "<\(tag) style=\"\(style.joined(separator: "; "))\">" + escape(text) + "</\(tag)>"
        }
        var out = "<table class=\"\(escape(className))\">"
        if let caption { out += "<caption>" + escape(caption) + "</caption>" }
        if let header {
            out += "<thead><tr>" + header.enumerated().map { cell("th", $1, column: $0, indent: 0) }.joined() + "</tr></thead>"
        }
        out += "<tbody>"
        for (r, row) in rows.enumerated() {
            out += "<tr>" + row.enumerated().map { cell("td", $1, column: $0, indent: $0 == indentColumn ? indents[r] ?? 0 : 0) }.joined() + "</tr>"
        }
        return out + "</tbody></table>"
    }

    /// A line of text below a table, with little space around it.
    public static func note(_ text: String) -> String {
        "<p style=\"margin: 0.2em 0\">" + escape(text) + "</p>"
    }
}
