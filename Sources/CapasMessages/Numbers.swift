// How numbers are written for the learner, and read from the learner.
//
//   output   English 0.89, 61,100,840        Spanish 0,89, 61 100 840 (no-break space)
//   input    always 0.89 (a comma separates values: [0.13, 0.87])
//
// Spanish output follows the course's slides and exercises (and the RAE):
// a decimal comma. Input keeps the point in both languages, as Python,
// PyTorch and every calculator the learner will use do; a decimal comma in
// input gets a hint rather than a silent misreading ([0,13, 0,87] is four values).

extension Language {
    /// A number already written with a decimal point, as this language writes it:
    /// `0.89` stays in English and becomes `0,89` in Spanish.
    public func decimal(_ text: String) -> String {
        self == .es ? String(text.map { $0 == "." ? "," : $0 }) : text
    }
}

public enum DecimalComma {
    /// The hint for an entry or an answer that writes decimals with a comma
    /// (`p = 0,5`, `[0,13, 0,87, 0,00]`), or nil when it does not look so.
    ///
    /// A comma between digits is read as a decimal comma when it is outside
    /// any bracket (`0,5`), when the digits after it start with 0 (`0,05`:
    /// no one writes the value 05), or when the same bracket also separates
    /// values with a comma and a space (`[0,13, 0,87]`). `[1,0,1]` and
    /// `[[1,0],[0,1]]`, the course's kernels, are lists of integers.
    public static func hint(in text: String, language L: Language) -> String? {
        guard let example = suspect(text) else { return nil }
        let fixed = example.replacingOccurrences(of: ",", with: ".")
        return L.pick(es: "los números se escriben con punto decimal: \(fixed), no \(example) (la coma separa valores)",
                      en: "numbers are written with a decimal point: \(fixed), not \(example) (a comma separates values)")
    }

    /// The first number written with a decimal comma, like `0,13`.
    static func suspect(_ text: String) -> String? {
        let chars = Array(text)
        var stack: [Int] = [], nextGroup = 0
        // Brackets (by number; −1 is the top level) that separate values with ", ".
        var spacedGroups: Set<Int> = []
        var candidates: [(group: Int, start: Int, end: Int, leadingZero: Bool)] = []
        for (i, c) in chars.enumerated() {
            if c == "[" || c == "(" { stack.append(nextGroup); nextGroup += 1; continue }
            if c == "]" || c == ")" { _ = stack.popLast(); continue }
            guard c == ",", i > 0, chars[i - 1].isNumber, i + 1 < chars.count else { continue }
            let group = stack.last ?? -1
            if chars[i + 1] == " " {
                if i + 2 < chars.count, chars[i + 2].isNumber || chars[i + 2] == "-" { spacedGroups.insert(group) }
                continue
            }
            guard chars[i + 1].isNumber else { continue }
            var start = i - 1
            while start > 0, chars[start - 1].isNumber { start -= 1 }
            // Part of a name (`x1,2`) or of a decimal (`1.5,2`) is not such a number.
            if start > 0, chars[start - 1].isLetter || chars[start - 1] == "_" || chars[start - 1] == "." { continue }
            var end = i + 1
            while end < chars.count, chars[end].isNumber { end += 1 }
            candidates.append((group, start, end, chars[i + 1] == "0" && end - i - 1 > 1))
        }
        let found = candidates.first { $0.group == -1 || $0.leadingZero || spacedGroups.contains($0.group) }
        return found.map { String(chars[$0.start..<$0.end]) }
    }
}
