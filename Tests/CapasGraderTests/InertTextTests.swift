import XCTest
#if canImport(FoundationXML)
import FoundationXML
#endif
import CapasMessages
@testable import CapasGrader

/// Learner text (feedback excerpts, file and folder names) cannot drive the terminal.
final class InertTextTests: XCTestCase {
    let osc52 = "\u{1B}]52;c;Y3VybCBldmlsLmV4YW1wbGUgfCBzaA==\u{07}"
    let cursorUp = "\u{1B}[2A\u{1B}[2K"
    let forged = "\r  ✓ worked: The course's worked examples  [3/3]"

    var hostile: GradeReport {
        let check = CheckResult(exercise: "05-conv2d", id: "stride", name: Bilingual("Stride"), points: 0, maxPoints: 2,
                                status: .failed, visibility: .visible,
                                feedback: Bilingual("expected 1\ngot \(osc52)\(cursorUp)2\tthen\(forged)\u{9B}31m\u{202E}txt"),
                                file: "Conv\u{1B}[8mD.swift", line: 3)
        return GradeReport(submission: "/tmp/s", learner: "a\u{1B}[1m", mode: "grade", exercises: [
            ExerciseReport(exercise: "05-conv2d", title: Bilingual("conv"), folder: "", checks: [check],
                           notes: [Bilingual("compiler said: \u{1B}[31merror\u{1B}[0m\nline two")]),
        ], seconds: 0)
    }

    func testTheTextReportShowsControlCharactersInsteadOfSendingThem() {
        for L in Language.allCases {
            let text = Reports.text(hostile, language: L, colour: false)
            XCTAssertFalse(text.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x0D || $0.value == 0x07 || $0.value == 0x9B || $0.value == 0x202E },
                           text)
            XCTAssertTrue(text.contains("\\x1b]52;c;"), text)
            XCTAssertTrue(text.contains("\\x1b[2A"), text)
            XCTAssertTrue(text.contains("\\r  ✓ worked"), "the forged line stays on the feedback's line: \(text)")
            XCTAssertTrue(text.contains("\\u{9b}31m") && text.contains("\\u{202e}txt"), text)
            XCTAssertTrue(text.contains("Conv\\x1b[8mD.swift:3: "), text)
            // Line breaks and tabs of multi-line feedback stay.
            XCTAssertTrue(text.contains("D.swift:3: expected 1\n      got "), text)
            XCTAssertTrue(text.contains("2\tthen"), text)
            XCTAssertTrue(text.contains("\\x1b[31merror"), text)
            // Every line of the report is one of capas' own: the forged check is not a line of its own.
            XCTAssertEqual(text.components(separatedBy: "\n").filter { $0.hasPrefix("  ✓") }.count, 0, text)
        }
        // capas' own colours still work.
        XCTAssertTrue(Reports.text(hostile, language: .en, colour: true).contains("\u{1B}[31m✗\u{1B}[0m"))
    }

    func testJSONAndJUnitKeepTheTextByTheirOwnRules() throws {
        let json = try JSONDecoder().decode(GradeReport.self, from: Data(Reports.json(hostile).utf8))
        XCTAssertEqual(json.checks[0].feedback, hostile.checks[0].feedback, "JSON round-trips the exact text")
        let xml = Reports.junit(hostile, language: .en)
        XCTAssertTrue(XMLParser(data: Data(xml.utf8)).parse(), xml)
        XCTAssertFalse(xml.unicodeScalars.contains { $0.value == 0x1B }, xml)
    }

    func testInertKeepsOrdinaryText() {
        let text = "ñandú — 3×3 ⌊x⌋ \"quoted\" \\ backslash"
        XCTAssertEqual(Reports.inert(text, keepLayout: false), text)
        XCTAssertEqual(Reports.inert("a\nb\tc", keepLayout: true), "a\nb\tc")
        XCTAssertEqual(Reports.inert("a\nb\tc", keepLayout: false), "a\\nb\\tc")
    }

    func testFileNamesThatAreNotUTF8AreWrittenEscaped() {
        XCTAssertEqual(FileName.printable(Array("ana".utf8)), "ana")
        XCTAssertEqual(FileName.printable([0x61, 0xFF, 0x62]), "a\\xffb")
        XCTAssertEqual(FileName.printable([0xC3, 0xB1]), "ñ")
        XCTAssertEqual(FileName.printable([0xC3]), "\\xc3", "a cut sequence")
        XCTAssertEqual(FileName.printable([0xED, 0xA0, 0x80]), "\\xed\\xa0\\x80", "a surrogate is not UTF-8")
        XCTAssertEqual(FileName.printable([0x1B, 0x5B, 0x32, 0x4A]), "\\x1b[2J")
        XCTAssertTrue(FileName.isPlain(Array("carla@example.org".utf8)))
        XCTAssertFalse(FileName.isPlain([0x61, 0xFF]))
        XCTAssertFalse(FileName.isPlain([0x61, 0x0D]))
    }

    // MARK: optional checks

    func testAnOptionalCheckNotAttemptedDoesNotFailTheSubmission() throws {
        var report = hostile
        report.exercises[0].checks = [
            CheckResult(exercise: "05-conv2d", id: "worked", name: Bilingual("w"), points: 3, maxPoints: 3, status: .passed,
                        visibility: .visible, feedback: Bilingual("")),
            CheckResult(exercise: "05-conv2d", id: "groups", name: Bilingual("g"), points: 0, maxPoints: 0, status: .notGradable,
                        visibility: .visible, feedback: Bilingual("`conv2dGroups` not implemented yet"), tags: ["missing"]),
        ]
        XCTAssertTrue(report.allPassed)
        XCTAssertEqual(report.status, "ok")
        let gradescope = try JSONSerialization.jsonObject(with: Data(Reports.gradescope(report, language: .en).utf8)) as! [String: Any]
        XCTAssertEqual((gradescope["tests"] as! [[String: Any]]).map { $0["status"] as! String }, ["passed", "passed"])
        let junit = Reports.junit(report, language: .en)
        XCTAssertTrue(junit.contains("failures=\"0\" errors=\"0\" skipped=\"1\""), junit)
        // A check worth points that is not gradable still fails.
        report.exercises[0].checks[1].maxPoints = 1
        XCTAssertFalse(report.allPassed)
        XCTAssertEqual(report.status, "invalid")
    }

    func testJUnitFileIsTheExerciseFolderThenTheFile() {
        var report = hostile
        report.exercises[0].checks[0].file = "Conv2D.swift"
        for (folder, expected) in [("", "Conv2D.swift"), ("05-conv2d", "05-conv2d/Conv2D.swift"),
                                   ("exercises/05-conv2d", "exercises/05-conv2d/Conv2D.swift")] {
            report.exercises[0].folder = folder
            XCTAssertTrue(Reports.junit(report, language: .en).contains("file=\"\(expected)\""), expected)
        }
    }

    // MARK: roster

    func testRosterLinesAndTheirProblems() throws {
        let roster = try Roster.parse("id,name,email\r\nana,\"Ana, la primera\",Ana@Example.org\nbeto\n\n", file: "class.csv")
        XCTAssertEqual(roster.entries.map(\.id), ["ana", "beto"])
        XCTAssertEqual(roster.entries[0].name, "Ana, la primera")
        XCTAssertEqual(roster.entry(forFolder: "ana@example.org")?.id, "ana")
        XCTAssertEqual(roster.entry(forFolder: "beto")?.line, 3)
        XCTAssertNil(roster.entry(forFolder: "zed"))
        XCTAssertEqual(try Roster.parse("ana,Ana,ana@example.org\n", file: "c").entries.count, 1, "the header is optional")
        let bad: [(String, Int, String)] = [
            ("id,name,email\nana,Ana,ana@example.org,extra\n", 2, "4 columns"),
            ("ana,Ana,ana@example.org\n,Nadie,\n", 2, "id"),
            ("ana,\"Ana,ana@example.org\n", 1, "quotes"),
            ("ana,Ana,ana@example.org\nana,Otra,otra@example.org\n", 2, "line 1"),
            ("ana,Ana,not-an-email\n", 1, "email"),
            ("../etc,x,\n", 1, "folder name"),
        ]
        for (text, line, words) in bad {
            XCTAssertThrowsError(try Roster.parse(text, file: "class.csv"), text) { error in
                guard let problem = error as? Roster.Problem else { return XCTFail("\(error)") }
                XCTAssertEqual(problem.line, line, text)
                XCTAssertTrue(problem.message.en.contains("class.csv, line \(line)") && problem.message.en.contains(words),
                              problem.message.en)
                XCTAssertTrue(problem.message.es.contains("class.csv, línea \(line)"), problem.message.es)
            }
        }
    }

    func testAGradebookReadsBackWhatItWrote() {
        let book = Gradebook(columns: ["e/a", "e/b"], roster: true)
        var row = Gradebook.Row(submission: "=cmd", learner: "x", score: 1.5, maxScore: 3, status: "ok", points: ["e/a": 1.5, "e/b": 0])
        row.attach(Roster.Entry(id: "ana", name: "Ana, A", email: "a@b.c", line: 2))
        var other = Gradebook.Row(submission: "b\\xff", learner: "b\\xff", score: 0, maxScore: 3, status: "grader_error",
                                  reason: "crashed (signal 11)")
        other.attach(nil)
        let csv = book.csv([row, other])
        XCTAssertEqual(book.readCSV(csv), [row, other])
        XCTAssertEqual(book.readCSV(csv + "c,c,,"), [row, other], "a last line cut short is left out")
        XCTAssertNil(Gradebook(columns: ["e/a"], roster: true).readCSV(csv), "other columns")
        XCTAssertEqual(book.readJSON(book.json([row, other])), [row, other])
    }
}
