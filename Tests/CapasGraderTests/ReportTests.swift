import XCTest
#if canImport(FoundationXML)
import FoundationXML
#endif
import CapasMessages
@testable import CapasGrader

final class ReportTests: XCTestCase {
    /// A report with one check of every status, hostile characters in the text.
    var sample: GradeReport {
        let statuses: [CheckStatus] = [.passed, .failed, .notGradable, .timeout, .crash, .invalid, .skipped, .graderError]
        let checks = statuses.enumerated().map { i, status in
            CheckResult(exercise: "05-conv2d", id: "c\(i)", name: Bilingual(es: "caso <\(i)> & \"ñ\"", en: "case <\(i)> & \"x\""),
                        points: status == .passed ? 2 : 0, maxPoints: 2, status: status,
                        visibility: Visibility.allCases[i % 4],
                        feedback: Bilingual(es: "línea 1\nlínea 2 \u{1}", en: "line 1\nline 2 \u{1}"),
                        mistake: status == .failed ? "flipped_kernel" : nil, file: "Conv2D.swift", line: i + 1,
                        tags: ["t"], seconds: 0.25)
        }
        return GradeReport(submission: "/tmp/s", learner: "ana", mode: "grade", exercises: [
            ExerciseReport(exercise: "05-conv2d", title: Bilingual(es: "conv", en: "conv"), checks: checks,
                           notes: [Bilingual("n")], leaderboard: [LeaderboardEntry(name: "accuracy", value: 0.91)]),
        ], seconds: 1.2)
    }

    func testGradescopeResultsValidateAgainstTheSchema() throws {
        for language in Language.allCases {
            let json = try JSONSerialization.jsonObject(with: Data(Reports.gradescope(sample, language: language).utf8))
            XCTAssertEqual(validate(json, schema: loadSchema("gradescope-results.schema.json")), [])
            let tests = (json as! [String: Any])["tests"] as! [[String: Any]]
            XCTAssertEqual(tests.count, 8)
            XCTAssertEqual(Set(tests.map { $0["number"] as! String }).count, 8)
            XCTAssertEqual((json as! [String: Any])["score"] as? Double, 2)
        }
    }

    func testTheSchemaValidatorCatchesProblems() {
        let schema = loadSchema("gradescope-results.schema.json")
        XCTAssertFalse(validate(["score": "10"], schema: schema).isEmpty)
        var bad = try! JSONSerialization.jsonObject(with: Data(Reports.gradescope(sample, language: .en).utf8)) as! [String: Any]
        bad["visibility"] = "secret"
        XCTAssertFalse(validate(bad, schema: schema).isEmpty)
    }

    func testCapasJSONValidatesAndRoundTrips() throws {
        let text = Reports.json(sample)
        let json = try JSONSerialization.jsonObject(with: Data(text.utf8))
        XCTAssertEqual(validate(json, schema: loadSchema("capas-report.schema.json")), [])
        let decoded = try JSONDecoder().decode(GradeReport.self, from: Data(text.utf8))
        XCTAssertEqual(decoded.checks, sample.checks)
    }

    func testJUnitIsWellFormedAndShapedForCIReporters() throws {
        let xml = Reports.junit(sample, language: .es)
        final class Collector: NSObject, XMLParserDelegate {
            var cases: [[String: String]] = []
            var children: [String] = []
            var failureBodies: [String] = []
            var text = ""
            func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
                if name == "testcase" { cases.append(attributes) }
                if ["failure", "error", "skipped"].contains(name) { children.append(name); text = "" }
            }
            func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }
            func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
                if name == "failure" || name == "error" { failureBodies.append(text) }
            }
        }
        let parser = XMLParser(data: Data(xml.utf8))
        let collector = Collector()
        parser.delegate = collector
        XCTAssertTrue(parser.parse(), "\(parser.parserError.map { "\($0)" } ?? "")")
        XCTAssertEqual(collector.cases.count, 8)
        XCTAssertTrue(collector.cases.allSatisfy { $0["classname"] == "05-conv2d" })
        XCTAssertEqual(Set(collector.cases.map { $0["name"]! }).count, 8, "names must be unique")
        XCTAssertEqual(collector.children.filter { $0 == "failure" }.count, 1)
        XCTAssertEqual(collector.children.filter { $0 == "error" }.count, 5)
        XCTAssertEqual(collector.children.filter { $0 == "skipped" }.count, 1)
        XCTAssertTrue(collector.failureBodies.allSatisfy { $0.contains("línea 2") })
        XCTAssertTrue(collector.cases.allSatisfy { $0["file"] == "Conv2D.swift" && $0["line"] != nil })
    }

    func testSelfCheckSummaryNeverSaysAllPassedWhenHiddenChecksExist() {
        var report = sample
        report.exercises[0].checks = report.exercises[0].checks.map {
            var c = $0
            if c.status != .skipped { c.status = .passed; c.points = c.maxPoints }
            return c
        }
        let es = Reports.text(report, language: .es, colour: false)
        let en = Reports.text(report, language: .en, colour: false)
        XCTAssertTrue(en.contains("7 of 8 checks run (7 passed); 1 hidden check is graded later."), en)
        XCTAssertTrue(es.contains("Se ejecutaron 7 de 8 comprobaciones (7 correctas); 1 comprobación oculta se corrige más tarde."), es)
        XCTAssertFalse(en.lowercased().contains("all passed"))
    }

    func testGradebookHasOneRowPerSubmissionAndNeutralisesFormulas() {
        let csv = Reports.gradebook([("=HYPERLINK(\"x\")", sample), ("bea,b", sample)])
        let lines = csv.split(separator: "\n")
        XCTAssertEqual(lines.count, 3)
        XCTAssertTrue(lines[0].hasPrefix("submission,score,max_score,status,05-conv2d/c0"))
        XCTAssertTrue(lines[1].hasPrefix("\"'=HYPERLINK(\"\"x\"\")\",2,16,grader_error"), String(lines[1]))
        XCTAssertTrue(lines[2].hasPrefix("\"bea,b\""))
    }
}
