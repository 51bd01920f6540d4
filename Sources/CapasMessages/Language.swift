import Foundation

/// The language of everything a learner reads: REPL help, errors, exercise
/// text and grader feedback. Spanish first: it is the course's language.
public enum Language: String, CaseIterable, Sendable {
    case es
    case en

    /// The language chosen by a `--lang` value, or by the environment
    /// (`LC_ALL`, `LC_MESSAGES`, `LANG`, in POSIX order of precedence).
    /// `C`/`POSIX` and anything unrecognised mean English, as in other
    /// command-line tools; `es_*` means Spanish.
    public static func resolve(flag: String? = nil,
                               environment: [String: String] = ProcessInfo.processInfo.environment) -> Language {
        if let flag, let language = Language(code: flag) { return language }
        for key in ["LC_ALL", "LC_MESSAGES", "LANG"] {
            if let value = environment[key], !value.isEmpty {
                return Language(code: value) ?? .en
            }
        }
        return .en
    }

    /// Parses `es`, `en`, `es_AR.UTF-8`, `en-US`, `spanish`, `english`, `español`.
    public init?(code: String) {
        let lower = code.lowercased()
        if lower.hasPrefix("es") || lower == "spanish" || lower == "español" { self = .es }
        else if lower.hasPrefix("en") || lower == "english" || lower == "c" || lower == "posix"
                    || lower.hasPrefix("c.") { self = .en }
        else { return nil }
    }

    /// Picks the text for this language.
    @inlinable
    public func pick(es: @autoclosure () -> String, en: @autoclosure () -> String) -> String {
        self == .es ? es() : en()
    }
}

/// Something that can explain itself to a learner in either language.
public protocol LocalizedMessage: Error {
    func message(in language: Language) -> String
}

extension LocalizedMessage {
    public var localizedDescription: String { message(in: Messages.language) }
}

/// Process-wide language, set once by the command line (`--lang`) at start-up.
public enum Messages {
    nonisolated(unsafe) public static var language: Language = .resolve()
}
