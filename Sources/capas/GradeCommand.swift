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

    @Option(name: .long, help: "Write the report to this file (e.g. --format junit --output capas-junit.xml).")
    var output: String?

    @OptionGroup var global: GlobalOptions

    func run() throws {
        try global.apply()
        try runGrading(mode: .selfCheck, exercise: exercise, submission: submission, course: course, learner: learner,
                       format: format, output: output)
    }
}

struct Grade: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Grade a submission, or a folder of them, with every check. / Corrige una entrega, o una carpeta de entregas.",
        discussion: """
        capas grade SUBMISSION                 one submission, all checks, a text report
        capas grade SUBMISSION --format gradescope --output results.json
        capas grade --batch DIR --jobs 2 --output grades.csv   one CSV row per submission folder in DIR
        capas grade --batch DIR --roster class.csv --feedback feedback/ --output grades.csv
        In --batch each submission is graded in its own process: a crash or a timeout is that row's
        grader_error. Rows are written as they finish; rerunning with the same --output grades only
        the missing ones.
        The course is --course, $CAPAS_COURSE, or the nearest folder with grading/ at or above the
        current folder; never one inside the submission.
        Exit status: 0 every check passed, 1 some did not, 2 usage error, 3 grader error.
        """)

    @Argument(help: "The submission folder (a copy of exercises/, or one exercise's files).")
    var submission: String?

    @Option(name: .long, help: "Only this exercise.")
    var exercise: String?

    @Option(name: .long, help: "The course folder (with grading/); default: $CAPAS_COURSE or found above the current folder.")
    var course: String?

    @Option(name: .long, help: "The learner's id (randomized exercises, hidden seeds); in --batch, the folder name or the roster's id.")
    var learner: String?

    @Option(name: .long, help: "Report format: text, json, junit, gradescope; with --batch: csv (default) or json.")
    var format: String?

    @Option(name: .long, help: "Write the report (or the gradebook) to this file.")
    var output: String?

    @Option(name: .long, help: "Grade every folder in DIR as a submission; the learner id is the folder name.")
    var batch: String?

    @Option(name: .long, help: "Submissions graded at once in --batch.")
    var jobs: Int = 1

    @Option(name: .long, help: "--batch: a class list, id,name,email a line (header optional); folders match an id or an email.")
    var roster: String?

    @Option(name: .long, help: "--batch: write each learner's feedback here (ID.txt and ID.json, in --lang).")
    var feedback: String?

    @Option(name: .customLong("submission-timeout"), help: "--batch: seconds one submission's grading may take before it is stopped.")
    var submissionTimeout: Int = 3600

    @Flag(name: .long, help: "Model exercises: retrain from each learner's recipe and flag a gap with the checkpoint.")
    var verifyTraining = false

    @Option(name: .customLong("data-dir"), help: "Where datasets are looked up first.")
    var dataDirectory: String?

    /// --batch grades each submission by running capas again with this: grade one, write its report here.
    @Option(name: .customLong("batch-child"), help: .hidden)
    var batchChild: String?

    @OptionGroup var global: GlobalOptions

    func run() throws {
        try global.apply()
        if let batchChild { runBatchChild(report: batchChild) }
        if let batch {
            guard submission == nil else { usageError("use SUBMISSION o --batch, no ambos", "give SUBMISSION or --batch, not both") }
            guard jobs >= 1 else { usageError("--jobs debe ser al menos 1", "--jobs must be at least 1") }
            guard submissionTimeout >= 1 else { usageError("--submission-timeout debe ser al menos 1", "--submission-timeout must be at least 1") }
            guard learner == nil else {
                usageError("--learner no va con --batch: el id es el nombre de cada carpeta (o el del --roster)",
                           "--learner does not go with --batch: the id is each folder's name (or the --roster's)")
            }
            let format = self.format ?? "csv"
            guard ["csv", "json"].contains(format) else {
                usageError("--batch escribe una planilla: --format csv o json, no `\(inert(format))`",
                           "--batch writes a gradebook: --format csv or json, not `\(inert(format))`")
            }
            BatchRun(command: self, folder: batch, format: format).run()
        }
        guard roster == nil, feedback == nil else {
            usageError("--roster y --feedback son para --batch", "--roster and --feedback are for --batch")
        }
        guard let submission else { usageError("falta la entrega (una carpeta) o --batch DIR", "missing the submission (a folder) or --batch DIR") }
        try runGrading(mode: .grade, exercise: exercise, submission: submission, course: course, learner: learner,
                       format: format ?? "text", output: output, verifyTraining: verifyTraining, dataDirectory: dataDirectory)
    }

    func options(learner: String?, exercises: [String]?) -> CapasGrader.Grader.Options {
        var options = CapasGrader.Grader.Options(mode: .grade, language: Messages.language, learner: learner, exercises: exercises)
        options.verifyTraining = verifyTraining
        options.dataDirectory = dataDirectory
        return options
    }

    /// The hidden child of --batch: grades one submission with the course it is given, writes the report as JSON.
    func runBatchChild(report path: String) -> Never {
        guard let submission, let course else { usageError("--batch-child necesita SUBMISSION y --course", "--batch-child needs SUBMISSION and --course") }
        // If the batch dies (killed outright), its children follow: whatever this grading started is in this process group.
        let parent = getppid()
        Thread.detachNewThread {
            while getppid() == parent { sleep(1) }
            kill(0, SIGKILL)
        }
        if let fault = ProcessInfo.processInfo.environment["CAPAS_TEST_BATCH_FAULT"], let learner {
            // Tests of the batch's containment: this learner's grading misbehaves.
            for item in fault.split(separator: ",") where item.hasPrefix(learner + "=") {
                switch item.dropFirst(learner.count + 1) {
                case "segv": UnsafeMutablePointer<Int>(bitPattern: 8)?.pointee = 1  // a real bad access, not raise()
                case "abort": abort()
                case "hang": while true { sleep(60) }
                case "exit": Glibc.exit(7)
                default: break
                }
            }
        }
        let report = CapasGrader.Grader.grade(submission: URL(fileURLWithPath: submission), course: Course(root: URL(fileURLWithPath: course)),
                                              options: options(learner: learner, exercises: exercise.map { [$0] }))
        do { try Data(Reports.json(report).utf8).write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
            writeError("capas: \(path): \(error.localizedDescription)\n")
            Glibc.exit(GraderExit.graderError)
        }
        Glibc.exit(0)
    }
}

/// Learner-controlled text (names of files and folders, arguments) made safe to print.
func inert(_ s: String) -> String { Reports.inert(s, keepLayout: false) }

/// The course for grading `folder`: never one found inside it. A self-check
/// falls back to the handout's checks.json; grading refuses (exit 2).
func courseFor(submission folder: URL, explicit: String?, mode: GradingContext.Mode) -> Course? {
    switch Course.locate(explicit: explicit, submission: folder) {
    case .found(let course): return course
    case .none: return nil
    case .insideSubmission(let root):
        if mode == .selfCheck, !exerciseFoldersWithChecks(folder).isEmpty { return nil }
        usageError("""
            el único curso encontrado (\(inert(root.path))) es la entrega misma o está dentro de ella: \
            una entrega nunca trae su propia rúbrica ni sus soluciones; indica el curso con --course o $CAPAS_COURSE
            """, """
            the only course found (\(inert(root.path))) is the submission itself or lies inside it: \
            a submission never brings its own rubrics or solutions; give the course with --course or $CAPAS_COURSE
            """)
    }
}

func runGrading(mode: GradingContext.Mode, exercise: String?, submission: String, course explicit: String?,
                learner: String?, format: String, output: String?, verifyTraining: Bool = false,
                dataDirectory: String? = nil) throws -> Never {
    let formats = ["text", "json", "junit", "gradescope"]
    guard formats.contains(format) else {
        usageError("formato desconocido `\(inert(format))`; use \(formats.joined(separator: ", "))",
                   "unknown format `\(inert(format))`; use \(formats.joined(separator: ", "))")
    }
    let folder = URL(fileURLWithPath: submission).standardizedFileURL
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory) else {
        let parent = folder.deletingLastPathComponent()
        let there = ((try? FileManager.default.contentsOfDirectory(atPath: parent.path)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
        let listed = there.prefix(12).map(inert).joined(separator: ", ") + (there.count > 12 ? ", …" : "")
        usageError("la entrega \(inert(submission)) no existe; en \(inert(parent.path)) hay: \(listed.isEmpty ? "nada" : listed)",
                   "the submission \(inert(submission)) does not exist; \(inert(parent.path)) has: \(listed.isEmpty ? "nothing" : listed)")
    }
    guard isDirectory.boolValue else {
        usageError("la entrega \(inert(submission)) no es una carpeta", "the submission \(inert(submission)) is not a folder")
    }
    let course = courseFor(submission: folder, explicit: explicit, mode: mode)
    if let course, !FileManager.default.fileExists(atPath: course.grading.path) {
        usageError("el curso \(inert(course.root.path)) no tiene grading/", "the course \(inert(course.root.path)) has no grading/")
    }
    var exercises: [String]? = exercise.map { [$0] }
    if let exercise {
        let known = course?.exerciseIDs() ?? exerciseFoldersWithChecks(folder)
        guard known.contains(exercise) else {
            usageError("no existe el ejercicio `\(inert(exercise))`; ejercicios: \(known.joined(separator: ", "))",
                       "there is no exercise `\(inert(exercise))`; exercises: \(known.joined(separator: ", "))")
        }
    }
    if exercises == nil, course == nil {
        // A learner's copy without grading/: the exercises that carry a checks.json.
        exercises = exerciseFoldersWithChecks(folder)
    }
    if let exercises, exercises.isEmpty {
        usageError("no hay ejercicios en \(inert(submission)) (ni grading/ encima, ni carpetas con checks.json)",
                   "no exercises in \(inert(submission)) (no grading/ above it, no folders with checks.json)")
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
    case "junit": text = Reports.junit(report, language: L)
    case "gradescope": text = Reports.gradescope(report, language: L)
    default: text = Reports.text(report, language: L, colour: output == nil && isTerminal(1) && ProcessInfo.processInfo.environment["NO_COLOR"] == nil)
    }
    if let output {
        do { try Data(text.utf8).write(to: URL(fileURLWithPath: output), options: .atomic) } catch {
            writeError("capas: \(L.pick(es: "no se puede escribir", en: "cannot write")) \(inert(output)): \(error.localizedDescription)\n")
            Glibc.exit(GraderExit.graderError)
        }
        switch format {
        case "text": break
        case "json":
            // The JSON is the report: one line says where it went.
            writeError(L.pick(es: "capas: informe en \(inert(output)) (\(Comparison.format(report.points)) de \(Comparison.format(report.maxPoints)))\n",
                              en: "capas: report in \(inert(output)) (\(Comparison.format(report.points)) of \(Comparison.format(report.maxPoints)))\n"))
        default: print(Reports.text(report, language: L, colour: false), terminator: "")
        }
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
        capas assign --roster class.csv --out handout/   one personalised copy per learner (id,name,email; header optional)
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

    @Option(name: .long, help: "A class list, id,name,email a line (header optional): one folder per learner id under --out.")
    var roster: String?

    @Flag(name: .long, help: "Write a new random course secret to grading/secret (refuses to overwrite one).")
    var newSecret = false

    @OptionGroup var global: GlobalOptions

    func run() throws {
        try global.apply()
        guard let course = Course.locate(explicit: course) else {
            usageError("no se encontró el curso (una carpeta con grading/ y solutions/); usa --course",
                       "no course found (a folder with grading/ and solutions/); use --course")
        }
        if newSecret {
            guard !FileManager.default.fileExists(atPath: course.secretFile.path) else {
                usageError("\(course.secretFile.path) ya existe; bórralo a mano si de verdad quieres otro (cambia los números de todos)",
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
            do { learners = try Roster.load(URL(fileURLWithPath: roster)).entries.map(\.id) } catch let problem as Roster.Problem {
                usageError(problem.message.es, problem.message.en)
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
        capas autograder gradescope --out bundle/ [--roster class.csv]   then zip the folder's contents and upload it
        capas autograder github --out learner-repo/ [--capas-repository owner/name]
            writes .github/workflows/capas-check.yml; without --capas-repository capas is built
            from the learner's repository itself (a copy of a course repository with capas' source)
        """)

    @Argument(help: "gradescope or github")
    var platform: String

    @Option(name: .long, help: "Where to write.")
    var out: String

    @Option(name: .long, help: "The course folder (default: found above the current folder).")
    var course: String?

    @Option(name: .long, help: "Gradescope: only this exercise.")
    var exercise: String?

    @Option(name: .long, help: "Gradescope: capas' source folder (default: the course folder when it holds capas' source, else the source this capas was built from).")
    var capasSource: String?

    @Option(name: .long, help: "Gradescope: the class list (id,name,email) that maps Gradescope's users to learner ids.")
    var roster: String?

    @Option(name: .long, help: "GitHub: the repository with capas' source, owner/name (default: the learner's repository itself).")
    var capasRepository: String?

    @Option(name: .long, help: "GitHub: the branch, tag or commit of --capas-repository.")
    var capasRef: String?

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
                    usageError("no se encontró el curso; usa --course", "no course found; use --course")
                }
                if let exercise, !course.exerciseIDs().contains(exercise) {
                    usageError("no existe el ejercicio `\(inert(exercise))`; ejercicios: \(course.exerciseIDs().joined(separator: ", "))",
                               "there is no exercise `\(inert(exercise))`; exercises: \(course.exerciseIDs().joined(separator: ", "))")
                }
                let source: URL
                if let capasSource {
                    source = URL(fileURLWithPath: capasSource)
                    guard Autograder.isCapasSource(source) else {
                        usageError("--capas-source \(inert(capasSource)) no es el código de capas (Package.swift, Sources/capas, Sources/CapasGrader)",
                                   "--capas-source \(inert(capasSource)) is not capas' source (Package.swift, Sources/capas, Sources/CapasGrader)")
                    }
                } else if Autograder.isCapasSource(course.root) {
                    source = course.root
                } else if let built = Autograder.builtFromSource {
                    source = built
                } else {
                    usageError("el curso no tiene el código de capas: indica dónde está con --capas-source",
                               "the course does not hold capas' source: say where it is with --capas-source")
                }
                if let roster {
                    do { _ = try Roster.load(URL(fileURLWithPath: roster)) } catch let problem as Roster.Problem {
                        usageError(problem.message.es, problem.message.en)
                    }
                }
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: destination.path, isDirectory: &isDirectory) {
                    let contents = (try? FileManager.default.contentsOfDirectory(atPath: destination.path)) ?? []
                    guard isDirectory.boolValue, contents.isEmpty || contents.contains("run_autograder") else {
                        usageError("\(inert(out)) ya existe y no es un paquete de capas: elige otra carpeta",
                                   "\(inert(out)) exists and is not a capas bundle: choose another folder")
                    }
                }
                try Autograder.writeGradescope(course: course, capasSource: source, exercise: exercise, swiftVersion: swiftVersion,
                                               roster: roster.map { URL(fileURLWithPath: $0) }, to: destination)
                print(Messages.language.pick(
                    es: "paquete en \(out) (capas de \(source.path)): comprima su contenido (setup.sh y run_autograder en la raíz del zip) y súbalo a Gradescope",
                    en: "bundle in \(out) (capas from \(source.path)): zip its contents (setup.sh and run_autograder at the zip's root) and upload it to Gradescope"))
            case "github":
                if capasRepository == nil, let course = Course.locate(explicit: course), !Autograder.isCapasSource(course.root) {
                    usageError("el curso no tiene el código de capas: indica el repositorio de capas con --capas-repository owner/name",
                               "the course does not hold capas' source: give capas' repository with --capas-repository owner/name")
                }
                if let capasRepository, capasRepository.split(separator: "/").count != 2 || capasRepository.contains(where: { $0 == "\"" || $0.isWhitespace }) {
                    usageError("--capas-repository es owner/name, no `\(inert(capasRepository))`",
                               "--capas-repository is owner/name, not `\(inert(capasRepository))`")
                }
                print(try Autograder.writeGitHubWorkflow(capasRepository: capasRepository, capasRef: capasRef,
                                                         swiftVersion: swiftVersion, to: destination).path)
            default:
                usageError("plataforma desconocida `\(inert(platform))`: gradescope o github", "unknown platform `\(inert(platform))`: gradescope or github")
            }
        } catch let error as GraderError {
            writeError("capas: " + error.message.text(Messages.language) + "\n")
            throw ExitCode(GraderExit.graderError)
        }
    }
}
