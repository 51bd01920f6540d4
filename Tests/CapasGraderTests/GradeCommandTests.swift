import XCTest
import CapasMessages
@testable import CapasGrader

/// `capas check` and `capas grade` as an instructor and a learner run them.
final class GradeCommandTests: XCTestCase {
    let answers = "02-sizes-and-parameters"

    /// A submission folder holding a copy of exercise 02's handout notebook (nothing answered).
    func handout(in parent: URL, _ name: String) throws -> URL {
        let folder = parent.appendingPathComponent(name).appendingPathComponent(answers)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: course.exercises.appendingPathComponent("\(answers)/notebook.md"),
                                         to: folder.appendingPathComponent("notebook.md"))
        return folder.deletingLastPathComponent()
    }

    // MARK: the course never comes from the submission

    func testASubmissionsOwnGradingAndSolutionsAreNeverUsed() throws {
        let root = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        // mallory brings a course: grading/ and solutions/, and points her exercise at her "solutions".
        let mallory = root.appendingPathComponent("mallory")
        try FileManager.default.createDirectory(at: mallory.appendingPathComponent("exercises"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: course.grading, to: mallory.appendingPathComponent("grading"))
        try FileManager.default.copyItem(at: course.solutions, to: mallory.appendingPathComponent("solutions"))
        try FileManager.default.createSymbolicLink(atPath: mallory.appendingPathComponent("exercises/\(answers)").path,
                                                   withDestinationPath: "../solutions/\(answers)")
        // eve links her exercise into the real course's solutions/.
        let eve = root.appendingPathComponent("eve/exercises")
        try FileManager.default.createDirectory(at: eve, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(at: eve.appendingPathComponent(answers),
                                                   withDestinationURL: course.solutions.appendingPathComponent(answers))
        for learner in ["mallory", "eve"] {
            let result = try runCapas(["grade", root.appendingPathComponent(learner).path, "--exercise", answers, "--lang", "en"],
                                      in: repositoryRoot)
            XCTAssertEqual(result.status, 1, "\(learner): \(result.stdout)\(result.stderr)")
            XCTAssertTrue(result.stdout.contains("Score: 0 of 15"), "\(learner): \(result.stdout)")
        }
        // Inside mallory's folder the only course found is hers: a usage error that says so.
        let inside = try runCapas(["grade", ".", "--exercise", answers, "--lang", "en"], in: mallory)
        XCTAssertEqual(inside.status, 2, inside.stdout + inside.stderr)
        XCTAssertTrue(inside.stderr.contains("inside it") && inside.stderr.contains("--course"), inside.stderr)
        XCTAssertEqual(inside.stdout, "")
        // With --course the instructor's course grades her folder as a submission.
        let explicit = try runCapas(["grade", ".", "--course", repositoryRoot.path, "--exercise", answers, "--lang", "en"], in: mallory)
        XCTAssertEqual(explicit.status, 1)
        XCTAssertTrue(explicit.stdout.contains("Score: 0 of 15"), explicit.stdout)
    }

    func testAnExerciseThatDoesNotExistIsAUsageErrorListingTheOnesThatDo() throws {
        let result = try runCapas(["check", "03-foo", "--lang", "en"], in: repositoryRoot)
        XCTAssertEqual(result.status, 2, result.stdout + result.stderr)
        XCTAssertTrue(result.stderr.contains("`03-foo`"), result.stderr)
        for id in course.exerciseIDs() { XCTAssertTrue(result.stderr.contains(id), "\(id) in \(result.stderr)") }
        let missing = try runCapas(["grade", "submissions/nobody", "--lang", "es"], in: repositoryRoot)
        XCTAssertEqual(missing.status, 2)
        XCTAssertTrue(missing.stderr.contains("submissions/nobody no existe"), missing.stderr)
        let es = try runCapas(["check", "03-foo", "--lang", "es"], in: repositoryRoot)
        XCTAssertTrue(es.stderr.contains("no existe el ejercicio `03-foo`"), es.stderr)
    }

    func testAssignReadsTheSameRosterAndRefusesABrokenLine() throws {
        let root = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        let roster = root.appendingPathComponent("class.csv")
        try Data("ana,Ana,ana@example.org\nbeto,Beto,beto@example.org\n".utf8).write(to: roster)
        let out = root.appendingPathComponent("handout")
        let made = try runCapas(["assign", "--roster", roster.path, "--out", out.path, "--exercise", answers], in: repositoryRoot)
        XCTAssertEqual(made.status, 0, made.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out.path).sorted(), ["ana", "beto"],
                       "without a header the first line is a learner")
        try Data("id,name,email\nana,Ana,ana@example.org\n\"beto,Beto\n".utf8).write(to: roster)
        let broken = try runCapas(["assign", "--roster", roster.path, "--out", out.path, "--exercise", answers, "--lang", "en"],
                                  in: repositoryRoot)
        XCTAssertEqual(broken.status, 2)
        XCTAssertTrue(broken.stderr.contains("\(roster.path), line 3: unterminated quotes"), broken.stderr)
    }

    // MARK: exit status, JUnit paths

    /// A correct conv2d with the optional groups function left as the stub.
    func correctWithoutTheOptional(in folder: URL) throws {
        let exercise = folder.appendingPathComponent("05-conv2d")
        try FileManager.default.createDirectory(at: exercise, withIntermediateDirectories: true)
        var lines = try String(contentsOf: course.solutions.appendingPathComponent("05-conv2d/Conv2D.swift"), encoding: .utf8)
            .components(separatedBy: "\n")
        let start = try XCTUnwrap(lines.firstIndex { $0.hasPrefix("func conv2dGroups(") })
        let end = try XCTUnwrap(lines[start...].firstIndex { $0 == "}" })
        lines.replaceSubrange((start + 1)..<end, with: ["    notImplemented(\"conv2dGroups\")"])
        try Data(lines.joined(separator: "\n").utf8).write(to: exercise.appendingPathComponent("Conv2D.swift"))
        try FileManager.default.copyItem(at: course.exercises.appendingPathComponent("05-conv2d/checks.json"),
                                         to: exercise.appendingPathComponent("checks.json"))
    }

    func testACorrectSubmissionPassesWhenAnOptionalCheckIsNotAttempted() throws {
        let learner = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: learner) }
        try correctWithoutTheOptional(in: learner)
        let junit = learner.appendingPathComponent("capas-junit.xml")
        let checked = try runCapas(["check", "05-conv2d", "--submission", learner.path, "--lang", "en",
                                    "--format", "junit", "--output", junit.path], in: learner)
        XCTAssertEqual(checked.status, 0, checked.stdout + checked.stderr)
        XCTAssertTrue(checked.stdout.contains("not gradable"), "the optional check is still listed: \(checked.stdout)")
        let xml = try String(contentsOf: junit, encoding: .utf8)
        XCTAssertTrue(xml.contains("failures=\"0\" errors=\"0\""), xml)
        XCTAssertTrue(xml.contains("optional (0 points), not attempted"), xml)

        let results = learner.appendingPathComponent("results.json")
        let graded = try runCapas(["grade", learner.path, "--exercise", "05-conv2d", "--lang", "en",
                                   "--format", "gradescope", "--output", results.path], in: repositoryRoot)
        XCTAssertEqual(graded.status, 0, graded.stdout + graded.stderr)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: results)) as! [String: Any]
        let tests = json["tests"] as! [[String: Any]]
        XCTAssertFalse(tests.contains { $0["status"] as? String == "failed" }, "\(tests.filter { $0["status"] as? String == "failed" })")
        XCTAssertEqual(validate(json, schema: loadSchema("gradescope-results.schema.json")), [])
    }

    func testJUnitFilesAreRelativeToTheSubmissionRoot() throws {
        let root = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        let learner = try handout(in: root, "ana")
        try FileManager.default.copyItem(at: course.exercises.appendingPathComponent("\(answers)/checks.json"),
                                         to: learner.appendingPathComponent("\(answers)/checks.json"))
        let junit = root.appendingPathComponent("junit.xml")
        for command in [["check", answers, "--submission", learner.path], ["grade", learner.path, "--exercise", answers]] {
            let result = try runCapas(command + ["--format", "junit", "--output", junit.path], in: repositoryRoot)
            XCTAssertEqual(result.status, 1, result.stderr)
            let xml = try String(contentsOf: junit, encoding: .utf8)
            let files = Set(xml.components(separatedBy: "file=\"").dropFirst().map { String($0.prefix { $0 != "\"" }) })
            XCTAssertEqual(files, ["\(answers)/notebook.md"], "\(command[0]): \(xml)")
            for file in files { XCTAssertTrue(FileManager.default.fileExists(atPath: learner.appendingPathComponent(file).path)) }
        }
    }

    func testJSONWithOutputDoesNotPrintTheTextReport() throws {
        let root = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        let learner = try handout(in: root, "ana")
        let report = root.appendingPathComponent("report.json")
        let result = try runCapas(["grade", learner.path, "--exercise", answers, "--format", "json", "--output", report.path,
                                   "--lang", "en"], in: repositoryRoot)
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.stdout, "")
        XCTAssertFalse(result.stderr.contains("s1:"), result.stderr)
        XCTAssertNoThrow(try JSONDecoder().decode(GradeReport.self, from: Data(contentsOf: report)))
    }

    // MARK: batches

    func testOneCrashingOrHangingSubmissionIsItsRowOnly() throws {
        let root = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        let batch = root.appendingPathComponent("batch")
        for name in ["ana", "beto", "carla", "dora"] { _ = try handout(in: batch, name) }
        // A folder whose name is not UTF-8 is a row too.
        let odd: [UInt8] = Array("odd".utf8) + [0xFF, 0x1B] + Array("[2J".utf8)
        XCTAssertTrue(makeFolder(bytes: odd, in: batch))
        XCTAssertTrue(makeFolder(bytes: odd + Array("/\(answers)".utf8), in: batch))
        XCTAssertTrue(copyFile(course.exercises.appendingPathComponent("\(answers)/notebook.md"),
                               intoFolderWithBytes: odd + Array("/\(answers)".utf8), in: batch, as: "notebook.md"))
        let output = root.appendingPathComponent("grades.csv")
        let result = try runCapas(["grade", "--batch", batch.path, "--exercise", answers, "--jobs", "2", "--output", output.path,
                                   "--submission-timeout", "5", "--lang", "en"],
                                  in: repositoryRoot, environment: ["CAPAS_TEST_BATCH_FAULT": "ana=segv,beto=abort,carla=hang"])
        XCTAssertEqual(result.status, 3, result.stderr)
        let csv = try String(contentsOf: output, encoding: .utf8)
        let rows = csv.split(separator: "\n").map(String.init)
        XCTAssertEqual(rows.count, 6, csv)
        XCTAssertTrue(rows[0].hasPrefix("submission,score,max_score,status,\(answers)/s1,"), rows[0])
        XCTAssertTrue(rows[0].hasSuffix(",reason"))
        func row(_ name: String) -> String { rows.first { $0.hasPrefix(name + ",") } ?? "" }
        XCTAssertTrue(row("ana").contains("grader_error") && row("ana").contains("crashed (signal 11)"), row("ana"))
        XCTAssertTrue(row("beto").contains("grader_error") && row("beto").contains("crashed (signal 6)"), row("beto"))
        XCTAssertTrue(row("carla").contains("grader_error") && row("carla").contains("more than 5 s"), row("carla"))
        XCTAssertTrue(row("dora").contains(",0,15,not_gradable,0,0,"), row("dora"))
        XCTAssertTrue(row("odd\\xff\\x1b[2J").contains(",0,15,not_gradable,0,0,"), csv)
        XCTAssertFalse(csv.contains("\u{1B}"), "no raw escape in the gradebook")
        XCTAssertFalse(result.stderr.contains("\u{1B}"), "no raw escape in the progress lines")
        XCTAssertEqual(rows.map { $0.prefix { $0 != "," } }, ["submission", "ana", "beto", "carla", "dora", "odd\\xff\\x1b[2J"],
                       "sorted by folder")
    }

    func testAnInterruptedBatchKeepsItsRowsAndARerunGradesOnlyTheMissing() throws {
        let root = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        let batch = root.appendingPathComponent("batch")
        for name in ["ana", "beto", "carla"] { _ = try handout(in: batch, name) }
        let output = root.appendingPathComponent("grades.csv")
        let arguments = ["grade", "--batch", batch.path, "--exercise", answers, "--jobs", "2", "--output", output.path, "--lang", "en"]
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try capasExecutable())
        process.arguments = arguments
        process.currentDirectoryURL = repositoryRoot
        var environment = ProcessInfo.processInfo.environment
        environment["CAPAS_TEST_BATCH_FAULT"] = "beto=hang"
        process.environment = environment
        process.standardError = FileHandle.nullDevice
        try process.run()
        // ana and carla finish; beto hangs until the batch is stopped.
        var lines = 0
        for _ in 0..<1200 where lines < 3 {
            usleep(100_000)
            lines = ((try? String(contentsOf: output, encoding: .utf8)) ?? "").split(separator: "\n").count
        }
        XCTAssertEqual(lines, 3, "header, ana and carla")
        process.terminate()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 130)
        let kept = try String(contentsOf: output, encoding: .utf8)
        XCTAssertTrue(kept.contains("\nana,") && kept.contains("\ncarla,") && !kept.contains("\nbeto,"), kept)

        let rerun = try runCapas(arguments, in: repositoryRoot)
        XCTAssertEqual(rerun.status, 1, rerun.stderr)
        XCTAssertTrue(rerun.stderr.contains("already has 2 rows; grading the 1 missing of 3"), rerun.stderr)
        XCTAssertFalse(rerun.stderr.contains("ana:"), "ana is not graded again: \(rerun.stderr)")
        let final = try String(contentsOf: output, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(final.map { $0.prefix { $0 != "," } }, ["submission", "ana", "beto", "carla"])
    }

    func testBatchJSONAndFormatsThatMakeNoSenseForABatch() throws {
        let root = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        let batch = root.appendingPathComponent("batch")
        for name in ["ana", "beto"] { _ = try handout(in: batch, name) }
        let output = root.appendingPathComponent("grades.json")
        let result = try runCapas(["grade", "--batch", batch.path, "--exercise", answers, "--format", "json", "--output", output.path],
                                  in: repositoryRoot)
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertEqual(result.stdout, "")
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: output)) as? [String: Any])
        let rows = try XCTUnwrap(json["rows"] as? [[String: Any]])
        XCTAssertEqual(rows.map { $0["submission"] as? String }, ["ana", "beto"])
        XCTAssertEqual(rows.first?["max_score"] as? Double, 15)
        for format in ["text", "junit", "gradescope", "xml"] {
            let refused = try runCapas(["grade", "--batch", batch.path, "--format", format], in: repositoryRoot)
            XCTAssertEqual(refused.status, 2, "\(format): \(refused.stderr)")
            XCTAssertTrue(refused.stderr.contains("--format csv"), refused.stderr)
        }
    }

    func testARosterNamesTheRowsAndFeedbackIsWrittenPerLearner() throws {
        let root = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        let batch = root.appendingPathComponent("batch")
        for name in ["ana", "Carla@Example.org", "zed"] { _ = try handout(in: batch, name) }
        let roster = root.appendingPathComponent("class.csv")
        try Data("id,name,email\nana,\"Ana, la primera\",ana@example.org\ncarla,Carla,carla@example.org\nbeto,Beto,\n".utf8).write(to: roster)
        let output = root.appendingPathComponent("grades.csv"), feedback = root.appendingPathComponent("feedback")
        let result = try runCapas(["grade", "--batch", batch.path, "--exercise", answers, "--roster", roster.path,
                                   "--feedback", feedback.path, "--output", output.path, "--lang", "es"], in: repositoryRoot)
        XCTAssertEqual(result.status, 1, result.stderr)
        let rows = try String(contentsOf: output, encoding: .utf8).split(separator: "\n").map(String.init)
        XCTAssertTrue(rows[0].hasPrefix("submission,learner,name,email,in_roster,score,max_score,status,"), rows[0])
        XCTAssertTrue(rows.contains { $0.hasPrefix("ana,ana,\"Ana, la primera\",ana@example.org,yes,0,15,") }, "\(rows)")
        XCTAssertTrue(rows.contains { $0.hasPrefix("Carla@Example.org,carla,Carla,carla@example.org,yes,0,15,") }, "\(rows)")
        XCTAssertTrue(rows.contains { $0.hasPrefix("zed,zed,,,no,0,15,") }, "a folder not in the roster still gets a row: \(rows)")
        XCTAssertTrue(rows.contains { $0.hasPrefix(",beto,Beto,,yes,0,15,missing,") }, "\(rows)")
        XCTAssertTrue(result.stderr.contains("zed: 0/15 not_gradable") && result.stderr.contains("no está en la lista"), result.stderr)
        for learner in ["ana", "carla", "zed"] {
            let text = try String(contentsOf: feedback.appendingPathComponent("\(learner).txt"), encoding: .utf8)
            XCTAssertTrue(text.contains("Puntaje: 0 de 15"), text)
            let json = try JSONSerialization.jsonObject(with: Data(contentsOf: feedback.appendingPathComponent("\(learner).json"))) as! [String: Any]
            XCTAssertEqual(json["learner"] as? String, learner)
            XCTAssertEqual(json["language"] as? String, "es")
        }

        try Data("id,name,email\nana,Ana,ana@example.org\nbeto,Beto,beto-at-example\n".utf8).write(to: roster)
        let broken = try runCapas(["grade", "--batch", batch.path, "--roster", roster.path, "--lang", "en"], in: repositoryRoot)
        XCTAssertEqual(broken.status, 2)
        XCTAssertTrue(broken.stderr.contains("\(roster.path), line 3") && broken.stderr.contains("beto-at-example"), broken.stderr)
    }
}
