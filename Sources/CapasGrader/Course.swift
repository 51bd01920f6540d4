import Foundation

/// A course folder: `solutions/` (the instructor's masters), `exercises/`
/// (what learners get, made by `capas assign`) and `grading/` (rubrics, the
/// course secret, hidden data).
public struct Course: Sendable {
    public var root: URL
    public var solutions: URL { root.appendingPathComponent("solutions") }
    public var exercises: URL { root.appendingPathComponent("exercises") }
    public var grading: URL { root.appendingPathComponent("grading") }

    public init(root: URL) { self.root = root.standardizedFileURL }

    /// `--course`, then `$CAPAS_COURSE`, then the nearest folder above `start` that has `grading/`.
    public static func locate(explicit: String?, start: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath),
                              environment: [String: String] = ProcessInfo.processInfo.environment) -> Course? {
        if let explicit { return Course(root: URL(fileURLWithPath: explicit)) }
        if let env = environment["CAPAS_COURSE"], !env.isEmpty { return Course(root: URL(fileURLWithPath: env)) }
        var folder = start.standardizedFileURL
        for _ in 0..<32 {
            if FileManager.default.fileExists(atPath: folder.appendingPathComponent("grading").path),
               FileManager.default.fileExists(atPath: folder.appendingPathComponent("solutions").path) {
                return Course(root: folder)
            }
            let parent = folder.deletingLastPathComponent()
            if parent.path == folder.path { break }
            folder = parent
        }
        return nil
    }

    /// Where the course of a grading run was found.
    public enum Lookup: Equatable {
        case found(Course)
        /// No course: a learner's copy graded with its `checks.json`.
        case none
        /// The only course found is the submission itself or lies inside it:
        /// a submission never brings its own rubrics or solutions.
        case insideSubmission(URL)

        public static func == (a: Lookup, b: Lookup) -> Bool {
            switch (a, b) {
            case let (.found(x), .found(y)): return x.root == y.root
            case (.none, .none): return true
            case let (.insideSubmission(x), .insideSubmission(y)): return x == y
            default: return false
            }
        }
    }

    /// The course for grading `submission`: `--course`, then `$CAPAS_COURSE`,
    /// then the nearest folder with `grading/` and `solutions/` at or above
    /// `start` (the current folder) that is **not** the submission or inside it.
    /// A submission holding `grading/` or `solutions/` is graded as a submission.
    public static func locate(explicit: String?, submission: URL,
                              start: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath),
                              environment: [String: String] = ProcessInfo.processInfo.environment) -> Lookup {
        if let explicit { return .found(Course(root: URL(fileURLWithPath: explicit))) }
        if let env = environment["CAPAS_COURSE"], !env.isEmpty { return .found(Course(root: URL(fileURLWithPath: env))) }
        let inside = resolved(submission)
        var skipped: URL? = nil
        var folder = start.standardizedFileURL
        for _ in 0..<64 {
            if isCourse(folder) {
                let path = resolved(folder)
                if path == inside || path.hasPrefix(inside == "/" ? "/" : inside + "/") {
                    if skipped == nil { skipped = folder }
                } else {
                    return .found(Course(root: folder))
                }
            }
            let parent = folder.deletingLastPathComponent()
            if parent.path == folder.path { break }
            folder = parent
        }
        return skipped.map { .insideSubmission($0) } ?? .none
    }

    static func isCourse(_ folder: URL) -> Bool {
        FileManager.default.fileExists(atPath: folder.appendingPathComponent("grading").path)
            && FileManager.default.fileExists(atPath: folder.appendingPathComponent("solutions").path)
    }

    static func resolved(_ url: URL) -> String {
        url.standardizedFileURL.resolvingSymlinksInPath().standardizedFileURL.path
    }

    /// Exercise ids: the folders of `grading/` that hold a `rubric.json`, sorted.
    public func exerciseIDs() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: grading.path)) ?? []
        return names.filter {
            FileManager.default.fileExists(atPath: grading.appendingPathComponent($0).appendingPathComponent("rubric.json").path)
        }.sorted()
    }

    public func rubric(_ exercise: String) throws -> Rubric {
        let url = grading.appendingPathComponent(exercise).appendingPathComponent("rubric.json")
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw GraderError.exercise(path: exercise, problem: Bilingual(
                es: "no existe (no hay \(url.path)); ejercicios: \(exerciseIDs().joined(separator: ", "))",
                en: "does not exist (no \(url.path)); exercises: \(exerciseIDs().joined(separator: ", "))"))
        }
        let rubric = try Rubric.load(url)
        guard rubric.exercise == exercise else {
            throw GraderError.rubric(file: url.path, problem: Bilingual(
                es: "dice ser del ejercicio `\(rubric.exercise)` pero está en `\(exercise)`",
                en: "says it belongs to `\(rubric.exercise)` but lives in `\(exercise)`"))
        }
        return rubric
    }

    public var secretFile: URL { grading.appendingPathComponent("secret") }

    public func secret() throws -> [UInt8]? {
        guard FileManager.default.fileExists(atPath: secretFile.path) else { return nil }
        return try CourseSecret.load(secretFile)
    }

    /// True when `folder` is this course's `solutions/` (or one exercise in it):
    /// only the masters get their `{{answer:…}}` placeholders filled in.
    public func isMaster(_ folder: URL) -> Bool {
        let path = folder.resolvingSymlinksInPath().standardizedFileURL.path
        let masters = solutions.resolvingSymlinksInPath().standardizedFileURL.path
        return path == masters || path.hasPrefix(masters + "/")
    }
}
