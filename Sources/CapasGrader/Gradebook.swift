import Foundation
import CapasMessages

/// A class's grades: one row per submission folder, written as CSV or JSON.
/// Rows are written as they finish (a batch that is interrupted keeps them)
/// and read back to grade only the missing ones on a rerun.
public struct Gradebook: Sendable {
    public struct Row: Codable, Sendable, Equatable {
        /// The submission folder's name, made printable (`\xff` for a byte that is not UTF-8).
        public var submission: String
        /// The id it was graded as (the roster's id when the folder matched one).
        public var learner: String
        public var name: String?
        public var email: String?
        /// With a roster: whether the folder matched a line of it.
        public var inRoster: Bool?
        public var score: Double
        public var maxScore: Double
        public var status: String
        /// Why a row is `grader_error`, `not_gradable` or `missing`.
        public var reason: String
        /// Points per check column (`exercise/check`).
        public var points: [String: Double]

        enum CodingKeys: String, CodingKey {
            case submission, learner, name, email, inRoster = "in_roster", score, maxScore = "max_score", status, reason, points
        }

        public init(submission: String, learner: String, score: Double, maxScore: Double, status: String, reason: String = "",
                    points: [String: Double] = [:]) {
            self.submission = submission; self.learner = learner; self.score = score; self.maxScore = maxScore
            self.status = status; self.reason = reason; self.points = points
        }

        /// A graded submission.
        public init(submission: String, learner: String, report: GradeReport, language L: Language) {
            self.init(submission: submission, learner: learner, score: report.points, maxScore: report.maxPoints,
                      status: report.status)
            points = Dictionary(report.checks.map { ("\($0.exercise)/\($0.id)", $0.points) }, uniquingKeysWith: { a, _ in a })
            if status == "grader_error" {
                reason = report.checks.filter { $0.status == .graderError }.map { "\($0.exercise)/\($0.id): " + $0.feedback.text(L) }
                    .joined(separator: "; ")
            } else if report.exercises.isEmpty
                        || report.checks.allSatisfy({ $0.status == .notGradable || $0.status == .skipped || $0.isOptionalNotAttempted }) {
                // Nothing could be graded: no folder, no file, every answer or function missing.
                status = "not_gradable"
                reason = report.checks.first { $0.status == .notGradable }.map { $0.feedback.text(L) }
                    ?? L.pick(es: "no hay ejercicios que corregir", en: "no exercises to grade")
            }
        }

        public mutating func attach(_ entry: Roster.Entry?) {
            inRoster = entry != nil
            name = entry?.name ?? ""
            email = entry?.email ?? ""
            if let entry { learner = entry.id }
        }
    }

    /// The check columns, `exercise/check`, in rubric order.
    public var columns: [String]
    /// Name, email and in_roster columns (a roster was given).
    public var roster: Bool

    public init(columns: [String], roster: Bool) { self.columns = columns; self.roster = roster }

    /// The columns of the course's rubrics for `exercises`.
    public static func columns(course: Course, exercises: [String]) -> [String] {
        exercises.flatMap { id in ((try? course.rubric(id))?.checks ?? []).map { "\(id)/\($0.id)" } }
    }

    // MARK: CSV

    public var header: [String] {
        ["submission"] + (roster ? ["learner", "name", "email", "in_roster"] : []) + ["score", "max_score", "status"]
            + columns + ["reason"]
    }

    public func csvHeader() -> String { header.map(Reports.csvField).joined(separator: ",") + "\n" }

    public func csvLine(_ row: Row) -> String {
        var cells = [row.submission]
        if roster { cells += [row.learner, row.name ?? "", row.email ?? "", row.inRoster == false ? "no" : "yes"] }
        cells += [Comparison.format(row.score), Comparison.format(row.maxScore), row.status]
        cells += columns.map { row.points[$0].map(Comparison.format) ?? "" }
        cells.append(Reports.inert(row.reason, keepLayout: false))
        return cells.map(Reports.csvField).joined(separator: ",") + "\n"
    }

    public func csv(_ rows: [Row]) -> String { csvHeader() + rows.map(csvLine).joined() }

    /// Rows of a CSV this gradebook wrote; nil when its header is another's
    /// (other exercises, or a roster added or dropped). A last line cut short is left out.
    public func readCSV(_ text: String) -> [Row]? {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if !text.hasSuffix("\n") { lines.removeLast() }  // cut short, or empty
        guard let first = lines.first, Roster.csvFields(first) == header else { return nil }
        var rows: [Row] = []
        for line in lines.dropFirst() where !line.isEmpty {
            guard let cells = Roster.csvFields(line), cells.count == header.count else { continue }
            var i = 0
            func next() -> String { defer { i += 1 }; return cells[i] }
            let submission = Self.unneutralised(next())
            var learner = submission, name: String? = nil, email: String? = nil, inRoster: Bool? = nil
            if roster { learner = Self.unneutralised(next()); name = next(); email = next(); inRoster = next() != "no" }
            guard let score = Double(next()), let maxScore = Double(next()) else { continue }
            let status = next()
            var points: [String: Double] = [:]
            for column in columns { if let p = Double(next()) { points[column] = p } }
            var row = Row(submission: submission, learner: learner, score: score, maxScore: maxScore, status: status,
                          reason: next(), points: points)
            row.name = name; row.email = email; row.inRoster = inRoster
            rows.append(row)
        }
        return rows
    }

    /// `csvField` writes `'=x` for a cell starting with = + - @; read back the name it came from.
    static func unneutralised(_ s: String) -> String {
        if s.hasPrefix("'"), let second = s.dropFirst().first, "=+-@".contains(second) { return String(s.dropFirst()) }
        return s
    }

    // MARK: JSON

    struct Document: Codable {
        var columns: [String]
        var rows: [Row]
    }

    public func json(_ rows: [Row]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(Document(columns: columns, rows: rows))) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    public func readJSON(_ text: String) -> [Row]? {
        guard let document = try? JSONDecoder().decode(Document.self, from: Data(text.utf8)), document.columns == columns
        else { return nil }
        let wantsRoster = roster
        guard document.rows.allSatisfy({ ($0.inRoster != nil) == wantsRoster }) else { return nil }
        return document.rows
    }
}

/// Names that are not valid UTF-8, made printable.
public enum FileName {
    /// The bytes of a file name as text: valid UTF-8 as is, every other byte as `\xNN`,
    /// control characters made visible too.
    public static func printable(_ bytes: [UInt8]) -> String {
        var out = "", i = 0
        while i < bytes.count {
            let length = sequenceLength(bytes, at: i)
            if length > 0, let s = String(bytes: bytes[i..<(i + length)], encoding: .utf8) {
                out += Reports.inert(s, keepLayout: false)
                i += length
            } else {
                out += "\\x" + String(format: "%02x", bytes[i])
                i += 1
            }
        }
        return out
    }

    /// The length of the well-formed UTF-8 sequence at `i`, or 0.
    static func sequenceLength(_ b: [UInt8], at i: Int) -> Int {
        let c = b[i]
        let n: Int
        switch c {
        case 0x00...0x7F: return 1
        case 0xC2...0xDF: n = 2
        case 0xE0...0xEF: n = 3
        case 0xF0...0xF4: n = 4
        default: return 0
        }
        guard i + n <= b.count else { return 0 }
        for k in 1..<n where b[i + k] & 0xC0 != 0x80 { return 0 }
        if c == 0xE0 && b[i + 1] < 0xA0 { return 0 }      // overlong
        if c == 0xED && b[i + 1] > 0x9F { return 0 }      // surrogates
        if c == 0xF0 && b[i + 1] < 0x90 { return 0 }      // overlong
        if c == 0xF4 && b[i + 1] > 0x8F { return 0 }      // past U+10FFFF
        return n
    }

    /// True when the bytes are valid UTF-8 without control characters: usable as they are in a path.
    public static func isPlain(_ bytes: [UInt8]) -> Bool {
        guard let s = String(bytes: bytes, encoding: .utf8), Array(s.utf8) == bytes else { return false }
        return printable(bytes) == s
    }
}
