import ArgumentParser
import CapasGrader
import CapasMessages
import Foundation

// `capas check`, `capas grade`, `capas assign`.
// Exit codes: 0 every check run passed, 1 some check did not, 2 usage error,
// 3 grader error (the rubric, the course or capas itself is at fault).

enum GraderExit {
    static let allPassed: Int32 = 0, someFailed: Int32 = 1, usage: Int32 = 2, graderError: Int32 = 3
}

func usageError(_ es: String, _ en: String) -> Never {
    writeError("capas: " + Messages.language.pick(es: es, en: en) + "\n")
    Glibc.exit(GraderExit.usage)
}

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Self-check an exercise: its visible checks. / Autocorrección de un ejercicio: sus comprobaciones visibles.",
        discussion: """
        Run it in your copy of the exercises (or in one exercise's folder). Hidden checks are not run
        here: the summary says how many are graded later.
        Exit status: 0 every check run passed, 1 some did not, 2 usage error, 3 grader error.
        """)

    @Argument(help: "The exercise (its folder name, e.g. 02-sizes-and-parameters); default: every exercise found.")
    var exercise: String?

    @Option(name: .long, help: "The folder with your exercises (default: the current folder).")
    var submission: String = "."

    @Option(name: .long, help: "The course folder (with grading/); default: $CAPAS_COURSE or found above.")
    var course: String?

    @Option(name: .long, help: "Your learner id (for randomized exercises).")
    var learner: String?

    @Option(name: .long, help: "Report format: text, json, junit, gradescope.")
    var format: String = "text"

    @OptionGroup var global: GlobalOptions

    func run() throws {
        try global.apply()
        try runGrading(mode: .selfCheck, exercise: exercise, submission: submission, course: course, learner: learner,
                       format: format, output: nil)
    }
}

struct Grade: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Grade a submission, or a folder of them, with every check. / Corrige una entrega, o una carpeta de entregas.",
        discussion: """
        capas grade SUBMISSION                 one submission, all checks, a text report
        capas grade SUBMISSION --format gradescope --output results.json
        capas grade --batch DIR --jobs 2 --output grades.csv   one CSV row per submission folder in DIR
        Exit status: 0 every check passed, 1 some did not, 2 usage error, 3 grader error.
        """)

    @Argument(help: "The submission folder (a copy of exercises/, or one exercise's files).")
    var submission: String?

    @Option(name: .long, help: "Only this exercise.")
    var exercise: String?

    @Option(name: .long, help: "The course folder (with grading/); default: $CAPAS_COURSE or found above.")
    var course: String?

    @Option(name: .long, help: "The learner's id (randomized exercises, hidden seeds); in --batch, the folder name.")
    var learner: String?

    @Option(name: .long, help: "Report format: text, json, junit, gradescope.")
    var format: String = "text"

    @Option(name: .long, help: "Write the report (or the CSV gradebook) to this file.")
    var output: String?

    @Option(name: .long, help: "Grade every folder in DIR as a submission; the learner id is the folder name.")
    var batch: String?

    @Option(name: .long, help: "Submissions graded at once in --batch.")
    var jobs: Int = 1

    @Flag(name: .long, help: "Model exercises: retrain from each learner's recipe and flag a gap with the checkpoint.")
    var verifyTraining = false

    @Option(name: .customLong("data-dir"), help: "Where datasets are looked up first.")
    var dataDirectory: String?

    @OptionGroup var global: GlobalOptions

    func run() throws {
        try global.apply()
        if let batch {
            guard submission == nil else { usageError("use SUBMISSION o --batch, no ambos", "give SUBMISSION or --batch, not both") }
            guard jobs >= 1 else { usageError("--jobs debe ser al menos 1", "--jobs must be at least 1") }
            runBatch(folder: batch, jobs: jobs)
        }
        guard let submission else { usageError("falta la entrega (una carpeta) o --batch DIR", "missing the submission (a folder) or --batch DIR") }
        try runGrading(mode: .grade, exercise: exercise, submission: submission, course: course, learner: learner,
                       format: format, output: output, verifyTraining: verifyTraining, dataDirectory: dataDirectory)
    }

    func options(learner: String?, exercises: [String]?) -> CapasGrader.Grader.Options {
        var options = CapasGrader.Grader.Options(mode: .grade, language: Messages.language, learner: learner, exercises: exercises)
        options.verifyTraining = verifyTraining
        options.dataDirectory = dataDirectory
        return options
    }

    func runBatch(folder: String, jobs: Int) -> Never {
        guard let course = Course.locate(explicit: course) else {
            usageError("no se encontró el curso (una carpeta con grading/ y solutions/); use --course",
                       "no course found (a folder with grading/ and solutions/); use --course")
        }
        let root = URL(fileURLWithPath: folder)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: root.path) else {
            usageError("no se puede leer la carpeta \(folder)", "cannot read folder \(folder)")
        }
        let submissions = names.filter {
            var isDirectory: ObjCBool = false
            return !$0.hasPrefix(".") && FileManager.default.fileExists(atPath: root.appendingPathComponent($0).path, isDirectory: &isDirectory) && isDirectory.boolValue
        }.sorted()
        let exercises = exercise.map { [$0] }
        let results = BatchResults(count: submissions.count)
        let queue = DispatchQueue(label: "capas.batch", attributes: .concurrent)
        let group = DispatchGroup(), slots = DispatchSemaphore(value: jobs)
        for (i, name) in submissions.enumerated() {
            slots.wait()
            queue.async(group: group) {
                let report = CapasGrader.Grader.grade(
                    submission: root.appendingPathComponent(name), course: course,
                    options: options(learner: name, exercises: exercises))
                results.set(i, (name, report))
                writeError("\(name): \(Comparison.format(report.points))/\(Comparison.format(report.maxPoints)) \(report.status)\n")
                slots.signal()
            }
        }
        group.wait()
        let rows = results.all()
        let csv = Reports.gradebook(rows)
        if let output { try? Data(csv.utf8).write(to: URL(fileURLWithPath: output), options: .atomic) } else { print(csv, terminator: "") }
        if rows.contains(where: { $0.report.hasGraderError }) { Glibc.exit(GraderExit.graderError) }
        Glibc.exit(rows.allSatisfy { $0.report.allPassed } ? GraderExit.allPassed : GraderExit.someFailed)
    }
}

final class BatchResults: @unchecked Sendable {
    private let lock = NSLock()
    private var rows: [(name: String, report: GradeReport)?]
    init(count: Int) { rows = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ row: (name: String, report: GradeReport)) { lock.lock(); rows[i] = row; lock.unlock() }
    func all() -> [(name: String, report: GradeReport)] { lock.lock(); defer { lock.unlock() }; return rows.compactMap { $0 } }
}

func runGrading(mode: GradingContext.Mode, exercise: String?, submission: String, course explicit: String?,
                learner: String?, format: String, output: String?, verifyTraining: Bool = false,
                dataDirectory: String? = nil) throws -> Never {
    let formats = ["text", "json", "junit", "gradescope"]
    guard formats.contains(format) else {
        usageError("formato desconocido `\(format)`; use \(formats.joined(separator: ", "))",
                   "unknown format `\(format)`; use \(formats.joined(separator: ", "))")
    }
    let folder = URL(fileURLWithPath: submission).standardizedFileURL
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
        usageError("la entrega \(submission) no es una carpeta", "the submission \(submission) is not a folder")
    }
    let course = Course.locate(explicit: explicit, start: folder) ?? Course.locate(explicit: nil)
    var exercises: [String]? = exercise.map { [$0] }
    if exercises == nil, course == nil {
        // A learner's copy without grading/: the exercises that carry a checks.json.
        exercises = exerciseFoldersWithChecks(folder)
    }
    if let exercises, exercises.isEmpty {
        usageError("no hay ejercicios en \(submission) (ni grading/ encima, ni carpetas con checks.json)",
                   "no exercises in \(submission) (no grading/ above it, no folders with checks.json)")
    }
    if exercises == nil, let course, folder.lastPathComponent != "exercises", !course.isMaster(folder),
       course.exerciseIDs().contains(folder.lastPathComponent) {
        exercises = [folder.lastPathComponent]
    }
    if exercises == nil, let course, course.isMaster(folder), folder != course.solutions.standardizedFileURL {
        exercises = [folder.lastPathComponent]
    }
    let L = Messages.language
    var options = CapasGrader.Grader.Options(mode: mode, language: L, learner: learner, exercises: exercises)
    options.verifyTraining = verifyTraining
    options.dataDirectory = dataDirectory
    let report = CapasGrader.Grader.grade(submission: folder, course: course, options: options)
    let text: String
    switch format {
    case "json": text = Reports.json(report)
    case "junit": text = Reports.junit(report, language: L, repositoryRoot: course?.root)
    case "gradescope": text = Reports.gradescope(report, language: L)
    default: text = Reports.text(report, language: L, colour: output == nil && isTerminal(1) && ProcessInfo.processInfo.environment["NO_COLOR"] == nil)
    }
    if let output {
        do { try Data(text.utf8).write(to: URL(fileURLWithPath: output), options: .atomic) } catch {
            writeError("capas: \(L.pick(es: "no se puede escribir", en: "cannot write")) \(output): \(error.localizedDescription)\n")
            Glibc.exit(GraderExit.graderError)
        }
        if format != "text" { print(Reports.text(report, language: L, colour: false), terminator: "") }
    } else {
        print(text, terminator: "")
    }
    if report.hasGraderError { Glibc.exit(GraderExit.graderError) }
    exit(report.allPassed ? GraderExit.allPassed : GraderExit.someFailed)
}

func exerciseFoldersWithChecks(_ folder: URL) -> [String] {
    let fm = FileManager.default
    if fm.fileExists(atPath: folder.appendingPathComponent("checks.json").path) { return [folder.lastPathComponent] }
    for base in [folder, folder.appendingPathComponent("exercises")] {
        let names = ((try? fm.contentsOfDirectory(atPath: base.path)) ?? []).sorted()
        let found = names.filter { fm.fileExists(atPath: base.appendingPathComponent($0).appendingPathComponent("checks.json").path) }
        if !found.isEmpty { return found }
    }
    return []
}

struct AssignCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "assign",
        abstract: "Write the learners' version of the exercises from solutions/. / Genera la versión de los estudiantes.",
        discussion: """
        capas assign                      solutions/ → exercises/ (the handout, with the slides' numbers)
        capas assign --roster class.csv --out handout/   one personalised copy per learner (first CSV column)
        capas assign --new-secret         writes a fresh course secret to grading/secret
        Solution regions are removed, Swift stubs call notImplemented(…), and each exercise gets
        a checks.json with its visible checks (hidden ones only by name and points).
        """)

    @Option(name: .long, help: "The course folder (default: found above the current folder).")
    var course: String?

    @Option(name: .long, help: "Only this exercise.")
    var exercise: String?

    @Option(name: .long, help: "Where to write (default: the course's exercises/).")
    var out: String?

    @Option(name: .long, help: "Personalise for this learner id (needs grading/secret).")
    var learner: String?

    @Option(name: .long, help: "A CSV whose first column is learner ids: one folder per learner under --out.")
    var roster: String?

    @Flag(name: .long, help: "Write a new random course secret to grading/secret (refuses to overwrite one).")
    var newSecret = false

    @OptionGroup var global: GlobalOptions

    func run() throws {
        try global.apply()
        guard let course = Course.locate(explicit: course) else {
            usageError("no se encontró el curso (una carpeta con grading/ y solutions/); use --course",
                       "no course found (a folder with grading/ and solutions/); use --course")
        }
        if newSecret {
            guard !FileManager.default.fileExists(atPath: course.secretFile.path) else {
                usageError("\(course.secretFile.path) ya existe; bórrelo a mano si de verdad quiere otro (cambia los números de todos)",
                           "\(course.secretFile.path) already exists; delete it by hand if you really want another (it changes everyone's numbers)")
            }
            try Data((CourseSecret.generate() + "\n").utf8).write(to: course.secretFile)
            print(Messages.language.pick(es: "secreto nuevo en \(course.secretFile.path): no lo publique",
                                         en: "new secret in \(course.secretFile.path): keep it private"))
            return
        }
        let ids = exercise.map { [$0] } ?? course.exerciseIDs().filter {
            FileManager.default.fileExists(atPath: course.solutions.appendingPathComponent($0).path)
        }
        var learners: [String?] = [learner]
        if let roster {
            guard let text = try? String(contentsOfFile: roster, encoding: .utf8) else {
                usageError("no se puede leer \(roster)", "cannot read \(roster)")
            }
            learners = text.split(whereSeparator: \.isNewline).dropFirst().compactMap {
                let id = $0.split(separator: ",").first.map { String($0).trimmingCharacters(in: .whitespaces.union(["\""])) } ?? ""
                return id.isEmpty ? nil : id
            }
            guard out != nil else { usageError("--roster necesita --out", "--roster needs --out") }
        }
        do {
            for learner in learners {
                var base = out.map { URL(fileURLWithPath: $0) } ?? course.exercises
                if roster != nil, let learner { base = base.appendingPathComponent(learner) }
                for id in ids {
                    let written = try CourseAssign.write(course: course, exercise: id, learner: learner, to: base)
                    print(written.path)
                }
            }
        } catch let error as GraderError {
            writeError("capas: " + error.message.text(Messages.language) + "\n")
            throw ExitCode(GraderExit.graderError)
        }
    }
}

struct AutograderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "autograder",
        abstract: "Write a Gradescope autograder bundle or a GitHub Actions workflow. / Genera el autocorrector de Gradescope o un flujo de GitHub Actions.",
        discussion: """
        capas autograder gradescope --out bundle/   then zip the folder's contents and upload it to Gradescope
        capas autograder github --out learner-repo/ writes .github/workflows/capas-check.yml
        """)

    @Argument(help: "gradescope or github")
    var platform: String

    @Option(name: .long, help: "Where to write.")
    var out: String

    @Option(name: .long, help: "The course folder (default: found above the current folder).")
    var course: String?

    @Option(name: .long, help: "Gradescope: only this exercise.")
    var exercise: String?

    @Option(name: .long, help: "Gradescope: capas' source folder (default: the course folder).")
    var capasSource: String?

    @Option(name: .long, help: "GitHub: the repository with capas, owner/name.")
    var capasRepository: String = "capas-course/capas"

    @Option(name: .long, help: "The Swift version to install.")
    var swiftVersion: String = "6.0.3"

    @OptionGroup var global: GlobalOptions

    func run() throws {
        try global.apply()
        let destination = URL(fileURLWithPath: out)
        do {
            switch platform {
            case "gradescope":
                guard let course = Course.locate(explicit: course) else {
                    usageError("no se encontró el curso; use --course", "no course found; use --course")
                }
                try Autograder.writeGradescope(course: course, capasSource: capasSource.map { URL(fileURLWithPath: $0) } ?? course.root,
                                               exercise: exercise, swiftVersion: swiftVersion, to: destination)
                print(Messages.language.pick(
                    es: "paquete en \(out): comprima su contenido (setup.sh y run_autograder en la raíz del zip) y súbalo a Gradescope",
                    en: "bundle in \(out): zip its contents (setup.sh and run_autograder at the zip's root) and upload it to Gradescope"))
            case "github":
                print(try Autograder.writeGitHubWorkflow(capasRepository: capasRepository, swiftVersion: swiftVersion, to: destination).path)
            default:
                usageError("plataforma desconocida `\(platform)`: gradescope o github", "unknown platform `\(platform)`: gradescope or github")
            }
        } catch let error as GraderError {
            writeError("capas: " + error.message.text(Messages.language) + "\n")
            throw ExitCode(GraderExit.graderError)
        }
    }
}
