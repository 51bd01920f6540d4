// Tokens of the model language and where they stand in the text.

/// A place in the model text: 1-based line and column, and a length in characters.
public struct SourceSpan: Hashable, Sendable {
    public var line: Int
    public var column: Int
    public var length: Int
    public init(line: Int, column: Int, length: Int) {
        self.line = line; self.column = column; self.length = max(1, length)
    }
}

struct Token: Equatable {
    enum Kind: Equatable { case word, open, close, separator, newline, end }
    let kind: Kind
    let text: String
    let span: SourceSpan
}

/// Splits the text into words, braces and separators. `#` starts a comment;
/// `;` separates statements like a newline does.
func tokenize(_ text: String) -> [Token] {
    var tokens: [Token] = []
    var lineNumber = 0
    for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
        lineNumber += 1
        let line = Array(rawLine)
        var i = 0
        func column(_ index: Int) -> Int { index + 1 }
        while i < line.count {
            let c = line[i]
            if c == "#" { break }
            if c == " " || c == "\t" || c == "\r" { i += 1; continue }
            if c == "{" || c == "}" || c == ";" {
                let kind: Token.Kind = c == "{" ? .open : (c == "}" ? .close : .separator)
                tokens.append(Token(kind: kind, text: String(c), span: SourceSpan(line: lineNumber, column: column(i), length: 1)))
                i += 1
                continue
            }
            let start = i
            while i < line.count, !" \t\r{};#".contains(line[i]) { i += 1 }
            tokens.append(Token(kind: .word, text: String(line[start..<i]),
                                span: SourceSpan(line: lineNumber, column: column(start), length: i - start)))
        }
        tokens.append(Token(kind: .newline, text: "\n", span: SourceSpan(line: lineNumber, column: line.count + 1, length: 1)))
    }
    let last = tokens.last?.span ?? SourceSpan(line: 1, column: 1, length: 1)
    tokens.append(Token(kind: .end, text: "", span: last))
    return tokens
}
