import CapasSandbox
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Code checks: the learner's Swift files compiled against the minimal
/// exercise module, each check run in its own sandboxed child, raw output
/// tensors compared here with the reference.
///
/// One submission: the files of `rubric.files` are compiled once (with the
/// generated harness, see Harness.swift); then each check runs the harness
/// in a fresh sandbox with its own limits. The child gets the inputs only;
/// expected values are computed after it has exited. A check passes only
/// when every case came back complete and matched; an exit status never
/// counts as success.
public enum CodeGrader {
    public struct Options: Sendable {
        /// Seconds the compiler may take (a compile-time bomb is stopped, not waited for).
        public var compileTimeout: Double
        /// Who the children run as; nil: nobody when the grader is root, else the grader's own user.
        public var user: Sandbox.User?
        /// Limits when a check gives none.
        public var defaultLimits: Rubric.Limits
        /// Keep the build folder (for debugging the grader).
        public var keepBuild: Bool

        public init(compileTimeout: Double = 60, user: Sandbox.User? = nil,
                    defaultLimits: Rubric.Limits = Rubric.Limits(wallSeconds: 10, cpuSeconds: nil, memoryMB: 1024),
                    keepBuild: Bool = false) {
            self.compileTimeout = compileTimeout; self.user = user; self.defaultLimits = defaultLimits
            self.keepBuild = keepBuild
        }
    }

    /// Checks a code rubric when it loads: every function and case set is
    /// known, every check has cases, and every reference (hidden ones
    /// included, drawn with `secret`) is finite. Throws a `GraderError`
    /// naming the check.
    public static func validate(_ rubric: Rubric, secret: [UInt8]? = nil, file: String = "rubric.json") throws {
        func bad(_ check: Rubric.Check, _ es: String, _ en: String) -> GraderError {
            .rubric(file: file, problem: Bilingual(es: "`\(check.id)`: " + es, en: "`\(check.id)`: " + en))
        }
        guard let files = rubric.files, !files.isEmpty else {
            throw GraderError.rubric(file: file, problem: Bilingual(es: "un ejercicio de código necesita `files`",
                                                                    en: "a code exercise needs `files`"))
        }
        for check in rubric.checks {
            guard let function = check.function.flatMap(CodeFunctions.named) else {
                throw bad(check, "función desconocida `\(check.function ?? "")`", "unknown function `\(check.function ?? "")`")
            }
            let seed = check.seed ?? 0
            var generator = CaseGenerator(seed: check.visibility == .visible ? seed
                : CaseGenerator.hiddenSeed(secret: secret, exercise: rubric.exercise, check: check.id, seed: seed))
            let cases: [CodeCase]
            do { cases = try function.cases(check.cases ?? "random", count: check.count ?? 5, generator: &generator) } catch {
                throw bad(check, "conjunto de casos desconocido `\(check.cases ?? "random")`",
                          "unknown case set `\(check.cases ?? "random")`")
            }
            guard !cases.isEmpty else { throw bad(check, "no tiene casos", "has no cases") }
            for (i, item) in cases.enumerated() where !function.reference(item).values.allSatisfy(\.isFinite) {
                throw bad(check, "la referencia del caso \(i + 1) no es finita", "the reference of case \(i + 1) is not finite")
            }
        }
    }

    public static func grade(rubric: Rubric, exerciseFolder: URL, context: GradingContext) -> ExerciseReport {
        grade(rubric: rubric, exerciseFolder: exerciseFolder, context: context, options: Options())
    }

    public static func grade(rubric: Rubric, exerciseFolder: URL, context: GradingContext, options: Options) -> ExerciseReport {
        var report = ExerciseReport(exercise: rubric.exercise, title: rubric.title)
        // A hidden check from a learner's `checks.json` has no cases (they were
        // stripped): it is listed, never run with made-up cases. The instructor's
        // rubric runs every check the mode runs.
        func runs(_ check: Rubric.Check) -> Bool { context.runs(check) && !(rubric.isPublicCopy && check.visibility != .visible) }
        let running = rubric.checks.filter(runs)

        // Every check gets a result, whatever happens to the others.
        func everyCheck(_ make: (Rubric.Check) -> CheckResult) {
            report.checks = rubric.checks.map { runs($0) ? make($0) : .skipped($0, exercise: rubric.exercise) }
        }
        func failAll(_ status: CheckStatus, _ feedback: Bilingual, file: String? = nil, line: Int? = nil, tag: String? = nil) {
            everyCheck { check in
                CheckResult(exercise: rubric.exercise, id: check.id, name: check.name, points: 0, maxPoints: check.points,
                            status: status, visibility: check.visibility, feedback: feedback, file: file, line: line,
                            tags: (check.tags ?? []) + (tag.map { [$0] } ?? []))
            }
        }
        guard !running.isEmpty else {
            report.checks = rubric.checks.map { .skipped($0, exercise: rubric.exercise) }
            return report
        }

        // The functions the rubric asks for.
        var functions: [any CodeFunction] = []
        for check in rubric.checks {
            guard let name = check.function, let function = CodeFunctions.named(name) else {
                failAll(.graderError, GraderError.rubric(file: rubric.exercise, problem: Bilingual(
                    es: "`\(check.id)`: el corrector no conoce la función `\(check.function ?? "")`",
                    en: "`\(check.id)`: the grader does not know the function `\(check.function ?? "")`")).message)
                return report
            }
            if !functions.contains(where: { $0.name == name }) { functions.append(function) }
        }
        let files = rubric.files ?? []
        guard !files.isEmpty else {
            failAll(.graderError, GraderError.rubric(file: rubric.exercise, problem: Bilingual(
                es: "un ejercicio de código necesita `files`", en: "a code exercise needs `files`")).message)
            return report
        }
        do { try SubmissionFiles.checkFolder(exerciseFolder) } catch {
            failAll(.notGradable, error.message, tag: "invalid_file")
            return report
        }
        for file in files where !SubmissionFiles.exists(file, in: exerciseFolder) {
            failAll(.notGradable, Bilingual(es: "falta el archivo \(file)", en: "the file \(file) is missing"), file: file, tag: "missing")
            return report
        }

        let toolchain: Toolchain
        switch Toolchain.shared {
        case let .success(found): toolchain = found
        case let .failure(error): failAll(.graderError, error.message); return report
        }

        // Compile once.
        let user = options.user ?? .automatic
        let build: SubmissionBuild
        do {
            build = try SubmissionBuild.prepare(
                exerciseFolder: exerciseFolder, files: files,
                root: SubmissionBuild.runsRoot(workFolder: context.workFolder, toolchain: toolchain), toolchain: toolchain,
                user: user)
        } catch let refusal as SubmissionFiles.Refusal {
            // A link, device, FIFO, hard link or oversized file: the learner's to fix, named.
            failAll(.notGradable, refusal.message, file: refusal.file, tag: "invalid_file")
            return report
        } catch {
            failAll(.graderError, (error as? GraderError)?.message ?? Bilingual("\(error)"))
            return report
        }
        defer { if !options.keepBuild { build.remove() } }
        // Functions only optional checks use (no points, or tagged `optional`):
        // if the learner left one out, the rest is still graded.
        let optional = functions.filter { function in
            rubric.checks.filter { $0.function == function.name }.allSatisfy { $0.points == 0 || ($0.tags ?? []).contains("optional") }
        }.map(\.name)
        var absent: [String] = []
        do {
            do {
                try build.compile(functions: functions, timeout: options.compileTimeout)
            } catch let failure as SubmissionBuild.Failure where failure.onlyHarness && !optional.isEmpty {
                let required = functions.filter { !optional.contains($0.name) }
                guard !required.isEmpty else { throw failure }
                // Without the optional functions: if this fails too, its own
                // diagnosis is the story (a real error, or a required function
                // missing), not the optional function's absence.
                try build.compile(functions: required, timeout: options.compileTimeout)
                absent = optional
            }
        } catch let failure as SubmissionBuild.Failure {
            // The compiler's words once, with the first check; the others name the place.
            let first = rubric.checks.first(where: runs)?.id
            everyCheck { check in
                CheckResult(exercise: rubric.exercise, id: check.id, name: check.name, points: 0, maxPoints: check.points,
                            status: .notGradable, visibility: check.visibility,
                            feedback: check.id == first ? failure.message : failure.summary + Bilingual(
                                es: " (el mensaje del compilador está en `\(first ?? "")`)",
                                en: " (the compiler's message is with `\(first ?? "")`)"),
                            file: failure.file, line: failure.line, tags: (check.tags ?? []) + ["compile"])
            }
            return report
        } catch {
            failAll(.graderError, (error as? GraderError)?.message ?? Bilingual("\(error)"))
            return report
        }

        // Each check in its own child.
        report.checks = rubric.checks.enumerated().map { index, check in
            guard runs(check) else { return .skipped(check, exercise: rubric.exercise) }
            let function = functions.first { $0.name == check.function }!
            if absent.contains(function.name) {
                return CheckResult(exercise: rubric.exercise, id: check.id, name: check.name, points: 0, maxPoints: check.points,
                                   status: .notGradable, visibility: check.visibility, feedback: Bilingual(
                                       es: "parte opcional: no se encontró `\(function.learnerFunction)` con la firma del enunciado",
                                       en: "optional part: `\(function.learnerFunction)` with the signature asked for was not found"),
                                   file: files.first, tags: check.tags ?? [])
            }
            return CheckRunner(rubric: rubric, check: check, index: index, function: function, build: build,
                               context: context, options: options, user: user).run()
        }
        return report
    }
}
