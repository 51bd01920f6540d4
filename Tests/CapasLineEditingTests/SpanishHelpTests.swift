import Foundation
import XCTest

/// `capas … --help` of every subcommand in Spanish (with --lang es or LANG=es…) and in English.
final class SpanishHelpTests: XCTestCase {
    static let subcommands = ["", "repl", "run", "summary", "train", "evaluate", "data", "data info", "data fetch", "bench",
                              "check", "grade", "assign", "autograder", "kernel", "kernel install", "kernel uninstall", "convert", "sample"]


    private func help(_ arguments: [String], lang: String) throws -> (text: String, status: Int32) {
        guard let capas = builtCapas() else { throw XCTSkip("no capas") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: capas)
        process.arguments = arguments
        process.environment = ["LANG": lang, "PATH": "/usr/bin:/bin", "HOME": NSTemporaryDirectory(), "COLUMNS": "1000"]  // one line per text
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (String(decoding: data, as: UTF8.self), process.terminationStatus)
    }

    /// Lines of the English help that are sentences (not usage lines, option names or model examples).
    private func sentences(_ english: String) -> [String] {
        english.components(separatedBy: "\n").map {
            $0.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "OVERVIEW: ", with: "")
        }.filter { line in
            if ["input", "conv", "maxpool", "flatten", "dense"].contains(where: { line.hasPrefix($0 + " ") }) { return false }
            let words = line.split(separator: " ").filter { $0.count > 3 && $0.allSatisfy(\.isLetter) }
            return words.count >= 2 && !line.hasPrefix("USAGE:") && !line.hasPrefix("capas ")
        }
    }

    func testEverySubcommandHasASpanishHelp() throws {
        for sub in Self.subcommands {
            let words = sub.split(separator: " ").map(String.init)
            let english = try help(words + ["--help"], lang: "C.UTF-8")
            XCTAssertEqual(english.status, 0)
            XCTAssertTrue(english.text.contains("USAGE:"), english.text)
            for (arguments, lang) in [(words + ["--help"], "es_ES.UTF-8"), (words + ["--lang", "es", "--help"], "C.UTF-8"),
                                      (["help"] + words, "es_AR.UTF-8")] {
                let spanish = try help(arguments, lang: lang)
                XCTAssertEqual(spanish.status, 0, "\(arguments)")
                XCTAssertTrue(spanish.text.contains("USO: capas"), "\(arguments): \(spanish.text)")
                XCTAssertTrue(spanish.text.contains("Muestra esta ayuda."), "\(arguments): \(spanish.text)")
                let lines = Set(spanish.text.components(separatedBy: "\n").map {
                    $0.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "DESCRIPCIÓN: ", with: "")
                })
                for sentence in sentences(english.text) where lines.contains(sentence) {
                    XCTFail("`capas \(sub) --help` in Spanish still says \(sentence.debugDescription)")
                }
            }
        }
    }

    func testTheSpanishHelpIsInTheTuRegister() throws {
        let root = try help(["--help"], lang: "es_ES.UTF-8").text
        XCTAssertTrue(root.contains("Aprende redes convolucionales"), root)
        XCTAssertFalse(root.contains("Aprenda"), root)
    }
}
