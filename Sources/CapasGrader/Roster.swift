import Foundation

/// A class list: one learner a line, `id,name,email` (name and email may be
/// left out), an optional header line. The id is what `capas assign`
/// personalises with and what the grader grades as; a submission folder is
/// matched by id or by email.
public struct Roster: Sendable {
    public struct Entry: Sendable, Equatable {
        public var id: String
        public var name: String
        public var email: String
        /// The line of the file (1-based).
        public var line: Int
    }

    /// A line that is not a roster line: the file, the line number, what is wrong.
    public struct Problem: Error, Sendable {
        public var file: String
        public var line: Int
        public var text: String
        public var problem: Bilingual
        public var message: Bilingual {
            Bilingual(es: "\(file), línea \(line): ", en: "\(file), line \(line): ") + problem
                + Bilingual(" (" + Reports.inert(text, keepLayout: false) + ")")
        }
    }

    public var entries: [Entry]

    public init(entries: [Entry]) { self.entries = entries }

    /// First fields that mark a header line.
    static let headerNames: Set<String> = ["id", "learner", "learner_id", "student", "student_id", "sid"]

    public static func load(_ url: URL) throws -> Roster {
        guard let data = try? Data(contentsOf: url) else {
            throw Problem(file: url.path, line: 0, text: "", problem: Bilingual(es: "no se puede leer", en: "cannot be read"))
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw Problem(file: url.path, line: 0, text: "", problem: Bilingual(es: "no es UTF-8", en: "is not UTF-8"))
        }
        return try parse(text, file: url.path)
    }

    public static func parse(_ text: String, file: String) throws -> Roster {
        var entries: [Entry] = []
        var byID: [String: Int] = [:], byEmail: [String: Int] = [:]
        // "\r\n" is one Character in Swift: make every line end in "\n" first.
        var text = Substring(text.replacingOccurrences(of: "\r\n", with: "\n"))
        if text.hasPrefix("\u{FEFF}") { text = text.dropFirst() }
        var first = true
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = index + 1
            let line = String(raw)
            if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            func bad(_ es: String, _ en: String) -> Problem {
                Problem(file: file, line: number, text: line, problem: Bilingual(es: es, en: en))
            }
            guard let fields = csvFields(line) else {
                throw bad("comillas sin cerrar", "unterminated quotes")
            }
            if first {
                first = false
                if headerNames.contains(fields[0].lowercased()) { continue }
            }
            guard fields.count <= 3 else {
                throw bad("tiene \(fields.count) columnas; se esperan id, nombre, email",
                          "has \(fields.count) columns; expected id, name, email")
            }
            let id = fields[0], name = fields.count > 1 ? fields[1] : "", email = fields.count > 2 ? fields[2] : ""
            guard !id.isEmpty else { throw bad("falta el id (primera columna)", "the id (first column) is empty") }
            guard !id.hasPrefix("."), !id.contains("/"), !id.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
                throw bad("el id `\(id)` no puede ser un nombre de carpeta (sin /, sin . al principio, sin caracteres de control)",
                          "the id `\(id)` cannot be a folder name (no /, no leading ., no control characters)")
            }
            guard email.isEmpty || (email.contains("@") && !email.contains(" ")) else {
                throw bad("`\(email)` no es un email", "`\(email)` is not an email address")
            }
            if let other = byID[id] { throw bad("el id `\(id)` ya está en la línea \(other)", "the id `\(id)` is already on line \(other)") }
            if !email.isEmpty, let other = byEmail[email.lowercased()] {
                throw bad("el email `\(email)` ya está en la línea \(other)", "the email `\(email)` is already on line \(other)")
            }
            byID[id] = number
            if !email.isEmpty { byEmail[email.lowercased()] = number }
            entries.append(Entry(id: id, name: name, email: email, line: number))
        }
        return Roster(entries: entries)
    }

    /// The entry a submission folder belongs to: its name is the id, or the email (any case).
    public func entry(forFolder name: String) -> Entry? {
        if let entry = entries.first(where: { $0.id == name }) { return entry }
        let lower = name.lowercased()
        return entries.first { !$0.email.isEmpty && $0.email.lowercased() == lower }
    }

    /// The fields of one CSV line (RFC 4180 quotes, no line breaks inside),
    /// trimmed; nil when a quote is not closed.
    static func csvFields(_ line: String) -> [String]? {
        var fields: [String] = [], field = "", quoted = false, wasQuoted = false
        var chars = Array(line), i = 0
        while i < chars.count {
            let c = chars[i]
            if quoted {
                if c == "\"" {
                    if i + 1 < chars.count, chars[i + 1] == "\"" { field.append("\""); i += 1 } else { quoted = false }
                } else { field.append(c) }
            } else if c == "\"" && field.trimmingCharacters(in: .whitespaces).isEmpty && !wasQuoted {
                quoted = true; wasQuoted = true; field = ""
            } else if c == "," {
                fields.append(wasQuoted ? field : field.trimmingCharacters(in: .whitespaces)); field = ""; wasQuoted = false
            } else { field.append(c) }
            i += 1
        }
        chars = []
        if quoted { return nil }
        fields.append(wasQuoted ? field : field.trimmingCharacters(in: .whitespaces))
        return fields
    }
}
