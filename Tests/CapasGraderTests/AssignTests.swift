import XCTest
@testable import CapasGrader

final class AssignTests: XCTestCase {
    func files(under root: URL) -> [String: Data] {
        var out: [String: Data] = [:]
        let base = root.standardizedFileURL.path
        let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isDirectoryKey])
        while let url = enumerator?.nextObject() as? URL {
            if (try? url.resourceValues(forKeys: [.isDirectoryKey]).isDirectory) == true { continue }
            out[String(url.standardizedFileURL.path.dropFirst(base.count + 1))] = try? Data(contentsOf: url)
        }
        return out
    }

    var assignedExercises: [String] {
        course.exerciseIDs().filter { FileManager.default.fileExists(atPath: course.solutions.appendingPathComponent($0).path) }
    }

    /// `exercises/` must be exactly what `capas assign` makes from `solutions/` today.
    func testExercisesAreNotStale() throws {
        XCTAssertFalse(assignedExercises.isEmpty)
        let out = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        for id in assignedExercises {
            try CourseAssign.write(course: course, exercise: id, learner: nil, to: out)
            let fresh = files(under: out.appendingPathComponent(id))
            let committed = files(under: course.exercises.appendingPathComponent(id))
            XCTAssertEqual(Set(fresh.keys), Set(committed.keys), "\(id): run `capas assign` and commit exercises/")
            for (name, data) in fresh {
                XCTAssertEqual(committed[name], data, "exercises/\(id)/\(name) is stale: run `capas assign` and commit it")
            }
        }
    }

    /// No line of a solution region, no hidden reference and no hidden case
    /// detail may appear anywhere in `exercises/`.
    func testNothingLeaksIntoExercises() throws {
        var handout = ""
        for (_, data) in files(under: course.exercises) { handout += String(decoding: data, as: UTF8.self) + "\n" }
        for id in assignedExercises {
            let master = files(under: course.solutions.appendingPathComponent(id))
            for (name, data) in master {
                let text = String(decoding: data, as: UTF8.self)
                // Lines also outside the regions (a closing brace, a blank) are not secrets, nor are
                // short ones (`flatten`, `maxpool 2`) that prose mentions anyway.
                let outside = Set(try Assign.learnerVersion(of: name, text: text, variant: Variant(learner: "", parameters: [:]))
                    .split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) })
                for line in Assign.solutionLines(text) where line.count >= 12 && !outside.contains(line) {
                    XCTAssertFalse(handout.contains(line), "solutions/\(id)/\(name) leaks into exercises/: \(line)")
                }
            }
            let rubric = try course.rubric(id)
            // Expressions a visible check uses are public by design, even when a hidden one repeats them.
            let visible = Set(rubric.checks.filter { $0.visibility == .visible }
                .flatMap { [$0.reference] + ($0.mistakes ?? []).map(\.expression) }.compactMap { $0 })
            for check in rubric.checks where check.visibility != .visible {
                for secret in [check.reference] + (check.mistakes ?? []).map(\.expression) {
                    guard let secret, secret.count >= 6, !visible.contains(where: { $0.contains(secret) }) else { continue }
                    XCTAssertFalse(handout.contains(secret), "hidden check \(id)/\(check.id) leaks: \(secret)")
                }
            }
        }
        let secret = try String(contentsOf: course.secretFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertFalse(handout.contains(secret))
    }

    func testSolutionRegionsAreStrippedAndStubsCompileShape() throws {
        let swift = """
        public func relu(_ x: [Float]) -> [Float] {
            // BEGIN SOLUTION
            return x.map { max(0, $0) }
            // END SOLUTION
        }
        """
        XCTAssertEqual(try Assign.learnerVersion(of: "Relu.swift", text: swift, variant: Variant(learner: "", parameters: [:])),
                       "public func relu(_ x: [Float]) -> [Float] {\n    notImplemented(\"relu\")\n}")
        let markdown = "Q {{n}}\n```answer\n# BEGIN SOLUTION\nq = {{answer:q}}\n# END SOLUTION\n```\n<!-- BEGIN SOLUTION -->\nwhy\n<!-- END SOLUTION -->\nend"
        let learner = try Assign.learnerVersion(of: "notebook.md", text: markdown, variant: Variant(learner: "x", parameters: ["n": 7]))
        XCTAssertEqual(learner, "<!-- capas-variant: learner=x n=7 -->\nQ 7\n```answer\nq = ?\n```\nend")
    }

    func testUnbalancedRegionsAreErrorsWithTheLine() {
        XCTAssertThrowsError(try Assign.learnerVersion(of: "a.swift", text: "x\n// BEGIN SOLUTION\ny", variant: Variant(learner: "", parameters: [:]))) {
            XCTAssertTrue(($0 as! GraderError).message.en.contains("a.swift:2"))
        }
        XCTAssertThrowsError(try Assign.learnerVersion(of: "n.md", text: "# END SOLUTION", variant: Variant(learner: "", parameters: [:])))
    }

    func testPersonalisedHandoutsDifferAndGradeFullWithTheirAnswers() throws {
        let out = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        let id = "02-sizes-and-parameters"
        let rubric = try course.rubric(id)
        let a = try CourseAssign.write(course: course, exercise: id, learner: "ana", to: out.appendingPathComponent("ana"))
        let b = try CourseAssign.write(course: course, exercise: id, learner: "beto", to: out.appendingPathComponent("beto"))
        let textA = try String(contentsOf: a.appendingPathComponent("notebook.md"), encoding: .utf8)
        let textB = try String(contentsOf: b.appendingPathComponent("notebook.md"), encoding: .utf8)
        XCTAssertNotEqual(textA, textB)
        // checks.json holds hidden checks only by name.
        let publicRubric = try Rubric.load(a.appendingPathComponent("checks.json"), isPublic: true)
        for check in publicRubric.checks where check.visibility != .visible {
            XCTAssertNil(check.reference); XCTAssertNil(check.mistakes)
        }
        XCTAssertEqual(publicRubric.maxPoints, rubric.maxPoints)
    }
}
