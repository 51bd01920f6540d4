import Foundation
import CapasMessages

/// Everything one grading run found, for every report format.
public struct GradeReport: Codable, Sendable {
    public var submission: String
    public var learner: String?
    public var mode: String
    public var exercises: [ExerciseReport]
    public var seconds: Double

    public var points: Double { exercises.reduce(0) { $0 + $1.points } }
    public var maxPoints: Double { exercises.reduce(0) { $0 + $1.maxPoints } }
    public var checks: [CheckResult] { exercises.flatMap(\.checks) }
    public var allPassed: Bool {
        checks.allSatisfy { $0.status == .passed || $0.status == .skipped || $0.isOptionalNotAttempted }
    }
    public var hasGraderError: Bool { checks.contains { $0.status == .graderError } }

    /// The summary status of a submission for a gradebook row.
    public var status: String {
        if self.checks.contains(where: { $0.status == .graderError }) { return "grader_error" }
        let checks = self.checks.filter { !$0.isOptionalNotAttempted }
        let statuses = Set(checks.map(\.status))
        if checks.contains(where: { $0.status == .notGradable && $0.tags.contains("compile") }) { return "compile_error" }
        if statuses.contains(.timeout) { return "timeout" }
        if statuses.contains(.crash) { return "crash" }
        if statuses.contains(.invalid) || checks.contains(where: { $0.status == .notGradable && ($0.tags.contains("missing") || $0.tags.contains("limit")) }) {
            return "invalid"
        }
        return "ok"
    }
}

/// The grader: finds each exercise in a submission, loads its rubric, and
/// runs the checks of its kind. A problem with the instructor's material is
/// a `grader_error` check, never a crash, and never the learner's zero alone.
public enum Grader {
    public struct Options: Sendable {
        public var mode: GradingContext.Mode
        public var language: Language
        public var learner: String?
        /// Only these exercises (all of the course's when nil).
        public var exercises: [String]?
        public var verifyTraining = false
        public var dataDirectory: String?
        public init(mode: GradingContext.Mode, language: Language, learner: String? = nil, exercises: [String]? = nil) {
            self.mode = mode; self.language = language; self.learner = learner; self.exercises = exercises
        }
    }

    /// Where exercise `id` is in `submission`: the folder itself, `submission/id`, or `submission/exercises/id`.
    public static func folder(of id: String, in submission: URL, only: Bool) -> URL? {
        let fm = FileManager.default
        if submission.lastPathComponent == id { return submission }
        for candidate in [submission.appendingPathComponent(id), submission.appendingPathComponent("exercises").appendingPathComponent(id)]
            where fm.fileExists(atPath: candidate.path) { return candidate }
        // A platform upload: the exercise's files directly in the submission folder.
        return only ? submission : nil
    }

    public static func grade(submission: URL, course: Course?, options: Options) -> GradeReport {
        let start = Date()
        var report = GradeReport(submission: submission.path, learner: options.learner, mode: options.mode.rawValue,
                                 exercises: [], seconds: 0)
        let ids = options.exercises ?? course?.exerciseIDs() ?? []
        for id in ids {
            report.exercises.append(gradeExercise(id, submission: submission, course: course, options: options,
                                                  only: ids.count == 1))
        }
        report.seconds = Date().timeIntervalSince(start)
        return report
    }

    /// The rubric for a self-check: the course's when there is one, else the
    /// public `checks.json` that `capas assign` put next to the exercise.
    static func rubric(_ id: String, course: Course?, folder: URL?) throws -> Rubric {
        if let course, FileManager.default.fileExists(atPath: course.grading.appendingPathComponent(id).path) {
            return try course.rubric(id)
        }
        if let folder {
            let url = folder.appendingPathComponent("checks.json")
            if FileManager.default.fileExists(atPath: url.path) { return try Rubric.load(url, isPublic: true) }
        }
        throw GraderError.exercise(path: id, problem: Bilingual(
            es: "no se encontró su rúbrica (ni grading/\(id)/rubric.json ni checks.json)",
            en: "its rubric was not found (neither grading/\(id)/rubric.json nor checks.json)"))
    }

    static func gradeExercise(_ id: String, submission: URL, course: Course?, options: Options, only: Bool) -> ExerciseReport {
        let folder = folder(of: id, in: submission, only: only)
        let rubric: Rubric
        do { rubric = try Self.rubric(id, course: course, folder: folder) } catch {
            let message = (error as? GraderError)?.message ?? Bilingual("\(error)")
            return ExerciseReport(exercise: id, title: Bilingual(id), checks: [CheckResult(
                exercise: id, id: "rubric", name: Bilingual(es: "rúbrica", en: "rubric"), points: 0, maxPoints: 0,
                status: .graderError, visibility: .visible, feedback: message)])
        }
        guard let folder else {
            return notGradable(rubric, options: options, Bilingual(
                es: "la entrega no tiene la carpeta `\(id)`", en: "the submission has no `\(id)` folder"))
        }
        // An exercise folder that is a link (to another learner's or the master copy) is refused, not followed.
        do { try SubmissionFiles.checkFolder(folder) } catch {
            return notGradable(rubric, options: options, error.message)
        }
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("capas-grade-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        var secret: [UInt8]? = nil
        var notes: [Bilingual] = []
        do { secret = try course?.secret() } catch {
            notes.append((error as? GraderError)?.message ?? Bilingual("\(error)"))
        }
        var context = GradingContext(mode: options.mode, language: options.language, learner: options.learner,
                                     secret: secret, gradingFolder: course?.grading.appendingPathComponent(id),
                                     workFolder: work)
        context.verifyTraining = options.verifyTraining
        context.dataDirectory = options.dataDirectory
        var report: ExerciseReport
        switch rubric.kind {
        case .answers:
            // Only the course's own solutions/ given as the submission are masters: a
            // symlink in a submission that leads into solutions/ is not.
            let master = course.map { $0.isMaster(submission) && $0.isMaster(folder) } ?? false
            report = gradeAnswers(rubric, folder: folder, course: course, context: context, master: master)
        case .code:
            report = CodeGrader.grade(rubric: rubric, exerciseFolder: folder, context: context)
        case .model:
            report = ModelGrader.grade(rubric: rubric, exerciseFolder: folder, submission: submission, context: context)
        }
        report.title = rubric.title
        report.folder = relativePath(of: folder, in: submission)
        report.notes = notes + report.notes
        return report
    }

    /// `folder` relative to `root`: `""` when they are the same folder, nil when it lies elsewhere.
    static func relativePath(of folder: URL, in root: URL) -> String? {
        let path = folder.standardizedFileURL.path, base = root.standardizedFileURL.path
        if path == base { return "" }
        let prefix = base.hasSuffix("/") ? base : base + "/"
        return path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : nil
    }

    static func gradeAnswers(_ rubric: Rubric, folder: URL, course: Course?, context: GradingContext,
                             master: Bool) -> ExerciseReport {
        let (name, which) = NotebookSubmission.choose(rubric.notebook ?? "notebook.md", in: folder)
        let data: Data
        switch SubmissionFiles.data(name, in: folder, limit: NotebookSubmission.limit(name)) {
        case let .success(bytes): data = bytes
        case let .failure(refusal) where refusal.kind == .missing:
            return notGradable(rubric, options: Options(mode: context.mode, language: context.language), Bilingual(
                es: "no se puede leer `\(name)` (¿falta?)", en: "cannot read `\(name)` (missing?)"))
        case let .failure(refusal):
            return notGradable(rubric, options: Options(mode: context.mode, language: context.language), refusal.message,
                               tags: [refusal.kind == .tooLarge ? "limit" : "invalid_file"])
        }
        var text: String
        let places: [Int: (cell: Int, line: Int)]
        switch NotebookSubmission.text(of: data, name: name) {
        case let .success(read): (text, places) = read
        case let .failure(refusal):
            return notGradable(rubric, options: Options(mode: context.mode, language: context.language), refusal.message,
                               tags: [name.hasSuffix(".ipynb") ? "invalid_file" : "limit"])
        }
        var notes: [Bilingual] = which.map { [$0] } ?? []
        // The learner's numbers: from the secret when the learner is known,
        // else the ones written in the notebook, else the handout's.
        var variant = Variant.read(from: text) ?? Variant.example(rubric)
        if !(rubric.parameters ?? [:]).isEmpty, let learner = context.learner, let secret = context.secret {
            do {
                let own = try Variant.generate(rubric, secret: secret, learner: learner)
                if let written = Variant.read(from: text), written.parameters != own.parameters || written.matrices != own.matrices {
                    notes.append(Bilingual(
                        es: "este cuaderno es de otra variante (\(written.learner)); se corrige con los números de \(learner)",
                        en: "this notebook is another variant (\(written.learner)); graded with \(learner)'s numbers"))
                }
                variant = own
            } catch {
                notes.append((error as? GraderError)?.message ?? Bilingual("\(error)"))
            }
        }
        // Parameters the notebook lacks (a hand-edited header) fall back to the handout's.
        let example = Variant.example(rubric)
        for (key, value) in example.parameters where variant.parameters[key] == nil { variant.parameters[key] = value }
        for (key, value) in example.matrices where variant.matrices[key]?.shape != value.shape { variant.matrices[key] = value }
        if master {
            do { text = try Assign.renderedMaster(text, rubric: rubric, variant: variant) } catch {
                notes.append((error as? GraderError)?.message ?? Bilingual("\(error)"))
            }
        }
        var report = AnswersGrader.grade(rubric: rubric, notebookText: text, notebookPath: name, variant: variant,
                                         context: context, places: places)
        report.notes = notes + report.notes
        return report
    }

    static func notGradable(_ rubric: Rubric, options: Options, _ why: Bilingual, status: CheckStatus = .notGradable,
                            tags: [String] = ["missing"]) -> ExerciseReport {
        let context = GradingContext(mode: options.mode, language: options.language, workFolder: URL(fileURLWithPath: "/"))
        return ExerciseReport(exercise: rubric.exercise, title: rubric.title, checks: rubric.checks.map { check in
            context.runs(check)
                ? CheckResult(exercise: rubric.exercise, id: check.id, name: check.name, points: 0, maxPoints: check.points,
                              status: status, visibility: check.visibility, feedback: why, tags: (check.tags ?? []) + tags)
                : .skipped(check, exercise: rubric.exercise)
        })
    }
}
