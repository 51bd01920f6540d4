import XCTest
import CapasMessages
@testable import CapasGrader

/// The Gradescope bundle and the GitHub Actions workflow, run as the platforms run them.
final class PlatformTests: XCTestCase {
    func run(_ program: String, _ arguments: [String], in folder: URL, environment: [String: String] = [:]) throws -> CommandResult {
        try runCapas(arguments, in: folder, environment: environment, executable: program)
    }

    // MARK: Gradescope

    func testTheBundleHoldsEveryFolderThePackageNames() throws {
        let out = temporaryFolder("capas-bundle")
        defer { try? FileManager.default.removeItem(at: out) }
        let bundle = out.appendingPathComponent("bundle")
        try Autograder.writeGradescope(course: course, capasSource: repositoryRoot, exercise: nil, swiftVersion: "6.0.3", to: bundle)
        let items = try Autograder.sourceItems(repositoryRoot)
        for needed in ["Package.swift", "Sources", "Tests/LineEditingHarness", "Tests/SandboxProbe", "Tests/CapasCoreTests",
                       "Tests/CapasGraderTests"] {
            XCTAssertTrue(items.contains(needed), "\(needed) in \(items)")
        }
        for item in items {
            XCTAssertTrue(FileManager.default.fileExists(atPath: bundle.appendingPathComponent("capas/\(item)").path), item)
        }
        // Every target of the manifest has its folder in the bundle.
        let manifest = try String(contentsOf: bundle.appendingPathComponent("capas/Package.swift"), encoding: .utf8)
        for line in manifest.components(separatedBy: "\n") where line.contains(".testTarget(name: \"") {
            let name = line.components(separatedBy: ".testTarget(name: \"")[1].prefix { $0 != "\"" }
            XCTAssertTrue(FileManager.default.fileExists(atPath: bundle.appendingPathComponent("capas/Tests/\(name)").path), String(name))
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: bundle.appendingPathComponent("capas/.build").path))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out.path), ["bundle"], "no staging folder left")
    }

    func testABundleThatCannotBeMadeLeavesNothingBehind() throws {
        let out = temporaryFolder("capas-bundle")
        defer { try? FileManager.default.removeItem(at: out) }
        let notSource = out.appendingPathComponent("not-capas")
        try FileManager.default.createDirectory(at: notSource, withIntermediateDirectories: true)
        let bundle = out.appendingPathComponent("bundle")
        XCTAssertThrowsError(try Autograder.writeGradescope(course: course, capasSource: notSource, exercise: nil,
                                                            swiftVersion: "6.0.3", to: bundle))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out.path), ["not-capas"])
        // The command refuses before writing anything: a usage error.
        let result = try runCapas(["autograder", "gradescope", "--out", bundle.path, "--capas-source", notSource.path, "--lang", "en"],
                                  in: repositoryRoot)
        XCTAssertEqual(result.status, 2, result.stderr)
        XCTAssertTrue(result.stderr.contains("is not capas' source"), result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: bundle.path))
        // Without --capas-source, a course that holds capas' source is the source.
        let made = try runCapas(["autograder", "gradescope", "--out", bundle.path, "--lang", "en"], in: repositoryRoot)
        XCTAssertEqual(made.status, 0, made.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: bundle.appendingPathComponent("capas/Tests/SandboxProbe").path))
    }

    func testGradescopeUsersAreMappedToRosterIDs() throws {
        let folder = temporaryFolder("capas-learner-id")
        defer { try? FileManager.default.removeItem(at: folder) }
        let script = folder.appendingPathComponent("learner_id.py")
        try Data(Autograder.gradescopeLearnerID.utf8).write(to: script)
        let roster = folder.appendingPathComponent("roster.csv")
        try Data("id,name,email\nana,Ana Pérez,ana@example.org\nS-002,Beto Gómez,beto@example.org\ncarla,Carla Ruiz,\n".utf8).write(to: roster)
        func learner(_ users: [[String: Any]], roster: URL?) throws -> CommandResult {
            let metadata = folder.appendingPathComponent("submission_metadata.json")
            try JSONSerialization.data(withJSONObject: ["id": 123456, "users": users]).write(to: metadata)
            return try run("/usr/bin/env", ["python3", script.path, metadata.path] + (roster.map { [$0.path] } ?? []), in: folder)
        }
        let cases: [([String: Any], String)] = [
            (["email": "Ana@Example.org", "sid": NSNull(), "name": "A. P."], "ana"),   // by email, any case
            (["email": "b@school.edu", "sid": "S-002", "name": "B"], "S-002"),        // by student id
            (["email": "c@school.edu", "sid": "", "name": "Carla Ruiz"], "carla"),    // by name
        ]
        for (user, expected) in cases {
            let result = try learner([user], roster: roster)
            XCTAssertEqual(result.status, 0, result.stderr)
            XCTAssertEqual(result.stdout, expected + "\n", "\(user)")
            XCTAssertEqual(result.stderr, "")
        }
        // A group: the member on the roster.
        XCTAssertEqual(try learner([["email": "x@y.z", "sid": "", "name": "X"], ["email": "beto@example.org", "sid": "", "name": "B"]],
                                   roster: roster).stdout, "S-002\n")
        // Nobody matches: the student id, and a warning.
        let unknown = try learner([["email": "z@y.z", "sid": "999", "name": "Z"]], roster: roster)
        XCTAssertEqual(unknown.stdout, "999\n")
        XCTAssertTrue(unknown.stderr.contains("no roster line matches"), unknown.stderr)
        // No roster: student id, else email.
        XCTAssertEqual(try learner([["email": "z@y.z", "sid": "", "name": "Z"]], roster: nil).stdout, "z@y.z\n")
    }

    func testRunAutograderWritesResultsForASubmission() throws {
        let root = temporaryFolder("capas-autograder")
        defer { try? FileManager.default.removeItem(at: root) }
        let roster = root.appendingPathComponent("class.csv")
        try Data("ana,Ana,ana@example.org\n".utf8).write(to: roster)
        try Autograder.writeGradescope(course: course, capasSource: repositoryRoot, exercise: "02-sizes-and-parameters",
                                       swiftVersion: "6.0.3", roster: roster, to: root.appendingPathComponent("source"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: root.appendingPathComponent("source/course/roster.csv").path))
        let submission = root.appendingPathComponent("submission")
        try FileManager.default.createDirectory(at: submission, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: course.exercises.appendingPathComponent("02-sizes-and-parameters/notebook.md"),
                                         to: submission.appendingPathComponent("notebook.md"))
        try JSONSerialization.data(withJSONObject: ["id": 1, "users": [["email": "ana@example.org", "sid": "", "name": "Ana"]]])
            .write(to: root.appendingPathComponent("submission_metadata.json"))
        let capasFolder = URL(fileURLWithPath: try capasExecutable()).deletingLastPathComponent().path
        let result = try run("/bin/bash", [root.appendingPathComponent("source/run_autograder").path], in: root, environment: [
            "AUTOGRADER_ROOT": root.path, "PATH": capasFolder + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"),
        ])
        XCTAssertEqual(result.status, 0, result.stderr)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: root.appendingPathComponent("results/results.json")))
        XCTAssertEqual(validate(json, schema: loadSchema("gradescope-results.schema.json")), [])
        XCTAssertEqual(((json as? [String: Any])?["tests"] as? [Any])?.count, 14)
        // Only capas (root on Gradescope) may read the course: a learner's program runs as another user.
        for item in ["source/course", "source/course/grading", "source/course/grading/secret", "source/course/roster.csv"] {
            let mode = (try FileManager.default.attributesOfItem(atPath: root.appendingPathComponent(item).path)[.posixPermissions] as? Int) ?? 0o777
            XCTAssertEqual(mode & 0o077, 0, "\(item) is \(String(mode, radix: 8))")
        }
        XCTAssertTrue(Autograder.gradescopeSetup(swiftVersion: "6.0.3").contains("chmod -R go-rwx /autograder/source/course"))
    }

    // MARK: GitHub Actions

    /// The `run:` scripts of a workflow, in order (single-line or `|` blocks).
    func runSteps(_ workflow: String) -> [String] {
        var steps: [String] = []
        let lines = workflow.components(separatedBy: "\n")
        var i = 0
        while i < lines.count {
            let line = lines[i]
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            let body = trimmed.hasPrefix("- run:") ? String(trimmed.dropFirst(6)) : trimmed.hasPrefix("run:") ? String(trimmed.dropFirst(4)) : nil
            guard let body else { i += 1; continue }
            let indent = line.prefix { $0 == " " }.count
            if body.trimmingCharacters(in: .whitespaces) == "|" {
                var block: [String] = []
                i += 1
                while i < lines.count, lines[i].trimmingCharacters(in: .whitespaces).isEmpty || lines[i].prefix(while: { $0 == " " }).count > indent {
                    block.append(lines[i]); i += 1
                }
                let margin = block.filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }.map { $0.prefix { $0 == " " }.count }.min() ?? 0
                steps.append(block.map { String($0.dropFirst(min(margin, $0.count))) }.joined(separator: "\n"))
            } else {
                steps.append(body.trimmingCharacters(in: .whitespaces)); i += 1
            }
        }
        return steps
    }

    /// The workflow's top-level `env:` values.
    func workflowEnvironment(_ workflow: String) -> [String: String] {
        var env: [String: String] = [:], inside = false
        for line in workflow.components(separatedBy: "\n") {
            if line == "env:" { inside = true; continue }
            if inside {
                guard line.hasPrefix("  ") else { if !line.hasPrefix("#") && !line.isEmpty { inside = false }; continue }
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                if trimmed.hasPrefix("#") { continue }
                let parts = trimmed.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                if parts.count == 2 { env[parts[0]] = parts[1].trimmingCharacters(in: ["\""]) }
            }
        }
        return env
    }

    /// Runs every `run:` step with bash as GitHub would: in the workspace, with
    /// GITHUB_ENV carried from step to step; stops at the first failing step.
    func runWorkflow(_ workflow: String, in workspace: URL) throws -> (status: Int32, failedStep: Int?) {
        let githubEnv = workspace.deletingLastPathComponent().appendingPathComponent("github-env-\(UUID().uuidString)")
        XCTAssertTrue(FileManager.default.createFile(atPath: githubEnv.path, contents: nil))
        defer { try? FileManager.default.removeItem(at: githubEnv) }
        var env = workflowEnvironment(workflow)
        env["GITHUB_WORKSPACE"] = workspace.path
        env["GITHUB_ENV"] = githubEnv.path
        env["GITHUB_REPOSITORY"] = "school/ana-exercises"
        env["GITHUB_SHA"] = "0000000000000000000000000000000000000000"
        env["GITHUB_REF"] = "refs/heads/main"
        env["GITHUB_ACTIONS"] = "true"
        env["CI"] = "true"
        env["RUNNER_OS"] = "Linux"
        env["RUNNER_TEMP"] = FileManager.default.temporaryDirectory.path
        for (n, script) in runSteps(workflow).enumerated() {
            XCTAssertFalse(script.contains("${{"), "a run: step reads shell variables only: \(script)")
            let result = try run("/bin/bash", ["-e", "-o", "pipefail", "-c", script], in: workspace, environment: env)
            for line in (try String(contentsOf: githubEnv, encoding: .utf8)).split(separator: "\n") {
                let parts = line.split(separator: "=", maxSplits: 1)
                if parts.count == 2 { env[String(parts[0])] = String(parts[1]) }
            }
            if result.status != 0 { return (result.status, n) }
        }
        return (0, nil)
    }

    func testTheWorkflowRunsInALearnerRepositoryMadeByAssign() throws {
        let root = temporaryFolder("capas-github")
        defer { try? FileManager.default.removeItem(at: root) }
        let repo = root.appendingPathComponent("ana-exercises")
        for id in ["02-sizes-and-parameters", "05-conv2d"] {
            let made = try runCapas(["assign", "--exercise", id, "--out", repo.path], in: repositoryRoot)
            XCTAssertEqual(made.status, 0, made.stderr)
        }
        let generated = try runCapas(["autograder", "github", "--out", repo.path, "--capas-repository", "school/capas"], in: repositoryRoot)
        XCTAssertEqual(generated.status, 0, generated.stderr)
        let workflow = try String(contentsOf: repo.appendingPathComponent(".github/workflows/capas-check.yml"), encoding: .utf8)
        XCTAssertTrue(workflow.contains("actions/cache@v4") && workflow.contains("${{ env.CAPAS_REVISION }}"), workflow)
        XCTAssertGreaterThanOrEqual(runSteps(workflow).count, 4)
        // What `actions/checkout` of school/capas leaves in .capas, already built (the cache's job).
        let capas = repo.appendingPathComponent(".capas")
        try FileManager.default.createDirectory(at: capas.appendingPathComponent(".build/release"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: capas.appendingPathComponent(".build/release/capas").path,
                                                   withDestinationPath: try capasExecutable())
        for command in [["init", "-q"], ["-c", "user.email=t@t", "-c", "user.name=t", "commit", "-q", "--allow-empty", "-m", "capas"]] {
            XCTAssertEqual(try run("/usr/bin/git", command, in: capas).status, 0)
        }

        // A correct submission: the masters' answers and code.
        let rubric = try course.rubric("02-sizes-and-parameters")
        let master = try String(contentsOf: course.solutions.appendingPathComponent("02-sizes-and-parameters/notebook.md"), encoding: .utf8)
        try Data(Assign.renderedMaster(master, rubric: rubric, variant: Variant.example(rubric)).utf8)
            .write(to: repo.appendingPathComponent("02-sizes-and-parameters/notebook.md"))
        try FileManager.default.removeItem(at: repo.appendingPathComponent("05-conv2d/Conv2D.swift"))
        try FileManager.default.copyItem(at: course.solutions.appendingPathComponent("05-conv2d/Conv2D.swift"),
                                         to: repo.appendingPathComponent("05-conv2d/Conv2D.swift"))
        let correct = try runWorkflow(workflow, in: repo)
        XCTAssertEqual(correct.status, 0, "step \(correct.failedStep.map(String.init) ?? "-")")
        let passing = try String(contentsOf: repo.appendingPathComponent("capas-junit.xml"), encoding: .utf8)
        XCTAssertTrue(passing.contains("failures=\"0\" errors=\"0\""), passing)
        XCTAssertTrue(passing.contains("classname=\"05-conv2d\""), passing)

        // A wrong one: answers of 1, conv2d that ignores the stride.
        let handout = try String(contentsOf: course.exercises.appendingPathComponent("02-sizes-and-parameters/notebook.md"), encoding: .utf8)
        try Data(handout.replacingOccurrences(of: " = ?", with: " = 1").utf8)
            .write(to: repo.appendingPathComponent("02-sizes-and-parameters/notebook.md"))
        try FileManager.default.removeItem(at: repo.appendingPathComponent("05-conv2d/Conv2D.swift"))
        try FileManager.default.copyItem(at: repositoryRoot.appendingPathComponent("Tests/GraderSubmissions/conv2d/stride_ignored/Conv2D.swift"),
                                         to: repo.appendingPathComponent("05-conv2d/Conv2D.swift"))
        let wrong = try runWorkflow(workflow, in: repo)
        XCTAssertEqual(wrong.status, 1)
        let failing = try String(contentsOf: repo.appendingPathComponent("capas-junit.xml"), encoding: .utf8)
        XCTAssertFalse(failing.contains("failures=\"0\" errors=\"0\""), failing)
        let files = Set(failing.components(separatedBy: "file=\"").dropFirst().map { String($0.prefix { $0 != "\"" }) })
        XCTAssertTrue(files.contains("02-sizes-and-parameters/notebook.md"), "\(files)")
        for file in files {
            XCTAssertTrue(FileManager.default.fileExists(atPath: repo.appendingPathComponent(file).path), "\(file) is in the repository")
        }
    }

    func testWithoutARepositoryTheWorkflowBuildsFromTheLearnersOwn() throws {
        let text = Autograder.githubWorkflow(capasRepository: nil, swiftVersion: "6.0.3")
        XCTAssertTrue(text.contains("CAPAS_REPOSITORY: \"\""), text)
        XCTAssertTrue(text.contains("if: env.CAPAS_REPOSITORY != ''"), text)
        XCTAssertTrue(runSteps(text).contains { $0.contains("dir=.;") || $0.contains("else dir=.") }, text)
        XCTAssertFalse(text.contains("\t"), "YAML forbids tabs")
    }
}
