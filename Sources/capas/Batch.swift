import CapasGrader
import CapasMessages
import Foundation

/// `capas grade --batch DIR`: every folder of DIR is a submission, graded in
/// a child process of its own (capas again, `--batch-child`) in its own
/// process group, under a wall-clock limit: a crash, an abort, running out of
/// memory or hanging is that row's `grader_error`, the others are graded.
/// Rows are written as they finish; a rerun with the same --output grades
/// only the folders that have no row yet.
struct BatchRun {
    let command: Grade
    let folder: String
    let format: String

    /// One folder of DIR.
    struct Entry {
        /// The name as it is printed and written (`\xff` for a byte that is not UTF-8).
        var display: String
        /// A path that reaches it (a symlink in a private folder when the name is not plain UTF-8).
        var path: String
        var rosterEntry: Roster.Entry?
        var learner: String
    }

    func run() -> Never {
        let L = Messages.language
        let root = URL(fileURLWithPath: folder).standardizedFileURL
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            usageError("--batch \(inert(folder)) no es una carpeta", "--batch \(inert(folder)) is not a folder")
        }
        let course: Course
        switch Course.locate(explicit: command.course, submission: root) {
        case .found(let found): course = found
        case .none:
            usageError("no se encontró el curso (una carpeta con grading/ y solutions/); usa --course",
                       "no course found (a folder with grading/ and solutions/); use --course")
        case .insideSubmission(let inside):
            usageError("el único curso encontrado (\(inert(inside.path))) está dentro de --batch: usa --course",
                       "the only course found (\(inert(inside.path))) lies inside --batch: use --course")
        }
        let known = course.exerciseIDs()
        if let exercise = command.exercise, !known.contains(exercise) {
            usageError("no existe el ejercicio `\(inert(exercise))`; ejercicios: \(known.joined(separator: ", "))",
                       "there is no exercise `\(inert(exercise))`; exercises: \(known.joined(separator: ", "))")
        }
        let exercises = command.exercise.map { [$0] } ?? known
        let roster: Roster? = command.roster.map { path in
            do { return try Roster.load(URL(fileURLWithPath: path)) } catch let problem as Roster.Problem {
                usageError(problem.message.es, problem.message.en)
            } catch { usageError("\(inert(path)): \(error)", "\(inert(path)): \(error)") }
        }
        let feedback = command.feedback.map { URL(fileURLWithPath: $0).standardizedFileURL }
        if let feedback {
            do { try FileManager.default.createDirectory(at: feedback, withIntermediateDirectories: true) } catch {
                usageError("no se puede crear \(inert(feedback.path))", "cannot create \(inert(feedback.path))")
            }
        }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("capas-batch-\(UUID().uuidString)")
        do { try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true) } catch {
            writeError("capas: \(scratch.path): \(error.localizedDescription)\n")
            Glibc.exit(GraderExit.graderError)
        }
        let excluded = Set([feedback?.path, command.output.map { URL(fileURLWithPath: $0).standardizedFileURL.path }].compactMap { $0 })
        var entries = listSubmissions(root, scratch: scratch, excluding: excluded)
        for i in entries.indices {
            entries[i].rosterEntry = roster?.entry(forFolder: entries[i].display)
            entries[i].learner = entries[i].rosterEntry?.id ?? entries[i].display
        }

        let gradebook = Gradebook(columns: Gradebook.columns(course: course, exercises: exercises), roster: roster != nil)
        let sink = RowSink(gradebook: gradebook, format: format, output: command.output, order: entries.map(\.display))
        if let output = command.output, let text = try? String(contentsOfFile: output, encoding: .utf8), !text.isEmpty {
            guard let previous = format == "json" ? gradebook.readJSON(text) : gradebook.readCSV(text) else {
                usageError("""
                    \(inert(output)) ya existe y no es una planilla de estos ejercicios\(roster == nil ? "" : " con --roster") \
                    (otras columnas): bórralo o usa otro --output
                    """, """
                    \(inert(output)) exists and is not a gradebook of these exercises\(roster == nil ? "" : " with --roster") \
                    (other columns): delete it or choose another --output
                    """)
            }
            sink.keep(previous.filter { $0.status != "missing" })
        }
        let done = sink.doneSubmissions()
        let pending = entries.filter { !done.contains($0.display) }
        if !done.isEmpty, let output = command.output {
            writeError(L.pick(
                es: "capas: \(inert(output)) ya tiene \(done.count) fila\(done.count == 1 ? "" : "s"); se corrige\(pending.count == 1 ? "" : "n") \(pending.count) que falta\(pending.count == 1 ? "" : "n") de \(entries.count)\n",
                en: "capas: \(inert(output)) already has \(done.count) row\(done.count == 1 ? "" : "s"); grading the \(pending.count) missing of \(entries.count)\n"))
        }
        do { try sink.start() } catch {
            writeError("capas: \(L.pick(es: "no se puede escribir", en: "cannot write")) \(inert(command.output ?? "-")): \(error.localizedDescription)\n")
            Glibc.exit(GraderExit.graderError)
        }
        let children = Children()
        children.onInterrupt {
            sink.interrupted()
            try? FileManager.default.removeItem(at: scratch)
            writeError(L.pick(
                es: "capas: interrumpido; \(sink.count) fila\(sink.count == 1 ? "" : "s") guardada\(sink.count == 1 ? "" : "s")\(command.output.map { " en \(inert($0)); vuelve a ejecutar la misma orden para corregir las que faltan" } ?? "")\n",
                en: "capas: interrupted; \(sink.count) row\(sink.count == 1 ? "" : "s") kept\(command.output.map { " in \(inert($0)); run the same command again to grade the missing ones" } ?? "")\n"))
        }

        let queue = DispatchQueue(label: "capas.batch", attributes: .concurrent)
        let group = DispatchGroup(), slots = DispatchSemaphore(value: command.jobs)
        for entry in pending {
            slots.wait()
            queue.async(group: group) {
                defer { slots.signal() }
                var row: Gradebook.Row
                var passed = false
                switch gradeInChild(entry, course: course, scratch: scratch, children: children) {
                case .report(let report):
                    row = Gradebook.Row(submission: entry.display, learner: entry.learner, report: report, language: L)
                    passed = report.allPassed
                    if let feedback { writeFeedback(report, learner: entry.learner, to: feedback) }
                case .failed(let reason):
                    row = Gradebook.Row(submission: entry.display, learner: entry.learner, score: 0,
                                        maxScore: gradebookMax(course, exercises), status: "grader_error", reason: reason)
                }
                if roster != nil {
                    row.attach(entry.rosterEntry)
                    if entry.rosterEntry == nil { row.learner = entry.display }
                }
                let note = roster != nil && entry.rosterEntry == nil ? L.pick(es: "  (no está en la lista)", en: "  (not in the roster)") : ""
                let reason = row.reason.isEmpty || row.status == "ok" ? "" : ": " + inert(row.reason)
                sink.add(row, passed: passed)
                writeError("\(entry.display): \(Comparison.format(row.score))/\(Comparison.format(row.maxScore)) \(row.status)\(reason)\(note)\n")
            }
        }
        group.wait()
        if let roster {
            let present = Set(sink.allRows().map(\.learner))
            for entry in roster.entries where !present.contains(entry.id) {
                var row = Gradebook.Row(submission: "", learner: entry.id, score: 0, maxScore: gradebookMax(course, exercises),
                                        status: "missing", reason: L.pick(es: "no entregó (no hay carpeta)", en: "no submission folder"))
                row.attach(entry)
                sink.add(row, passed: false)
            }
        }
        try? FileManager.default.removeItem(at: scratch)
        do { try sink.finish() } catch {
            writeError("capas: \(L.pick(es: "no se puede escribir", en: "cannot write")) \(inert(command.output ?? "-")): \(error.localizedDescription)\n")
            Glibc.exit(GraderExit.graderError)
        }
        let rows = sink.allRows()
        if rows.contains(where: { $0.status == "grader_error" }) { Glibc.exit(GraderExit.graderError) }
        Glibc.exit(sink.allPassed() ? GraderExit.allPassed : GraderExit.someFailed)
    }

    func gradebookMax(_ course: Course, _ exercises: [String]) -> Double {
        exercises.reduce(0) { sum, id in sum + ((try? course.rubric(id))?.checks.reduce(0) { $0 + $1.points } ?? 0) }
    }

    func writeFeedback(_ report: GradeReport, learner: String, to folder: URL) {
        let L = Messages.language
        let base = folder.appendingPathComponent(learner)
        try? Data(Reports.text(report, language: L, colour: false).utf8).write(to: base.appendingPathExtension("txt"), options: .atomic)
        try? Data(Reports.feedbackJSON(report, learner: learner, language: L).utf8)
            .write(to: base.appendingPathExtension("json"), options: .atomic)
    }

    /// The folders of `root` (not hidden ones), by printable name; names that
    /// are not plain UTF-8 are reached through a symlink in `scratch`.
    func listSubmissions(_ root: URL, scratch: URL, excluding: Set<String>) -> [Entry] {
        guard let directory = opendir(root.path) else {
            usageError("no se puede leer la carpeta \(inert(root.path))", "cannot read folder \(inert(root.path))")
        }
        defer { closedir(directory) }
        var entries: [Entry] = []
        let base = Array(root.path.utf8)
        while let item = readdir(directory) {
            let bytes: [UInt8] = withUnsafeBytes(of: item.pointee.d_name) { raw in
                Array(raw.prefix { $0 != 0 })
            }
            if bytes.first == UInt8(ascii: ".") { continue }
            let full = base + [UInt8(ascii: "/")] + bytes
            var info = stat()
            let isFolder = (full + [0]).withUnsafeBufferPointer { buffer in
                buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) { stat($0, &info) == 0 }
            } && (info.st_mode & S_IFMT) == S_IFDIR
            guard isFolder else { continue }
            let display = FileName.printable(bytes)
            var path = root.appendingPathComponent(display).path
            if !FileName.isPlain(bytes) {
                let link = scratch.appendingPathComponent("submission-\(entries.count)").path
                let made = (full + [0]).withUnsafeBufferPointer { buffer in
                    buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) { symlink($0, link) == 0 }
                }
                guard made else { continue }
                path = link
            }
            if excluding.contains(path) { continue }
            entries.append(Entry(display: display, path: path, rosterEntry: nil, learner: display))
        }
        return entries.sorted { $0.display < $1.display }
    }

    enum ChildOutcome {
        case report(GradeReport)
        case failed(String)
    }

    /// Grades one submission in a child capas, in its own process group, and reads its report.
    func gradeInChild(_ entry: Entry, course: Course, scratch: URL, children: Children) -> ChildOutcome {
        let L = Messages.language
        let id = UUID().uuidString
        let reportFile = scratch.appendingPathComponent("\(id).json").path
        let errorFile = scratch.appendingPathComponent("\(id).err").path
        var arguments = ["grade", entry.path, "--batch-child", reportFile, "--course", course.root.path,
                         "--learner", entry.learner, "--lang", L == .es ? "es" : "en"]
        if let exercise = command.exercise { arguments += ["--exercise", exercise] }
        if command.verifyTraining { arguments.append("--verify-training") }
        if let data = command.dataDirectory { arguments += ["--data-dir", data] }
        if let threads = command.global.threads { arguments += ["--threads", String(threads)] }
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        guard let pid = children.spawn(executable, arguments, stderr: errorFile) else {
            return .failed(L.pick(es: "no se pudo iniciar el proceso que corrige esta entrega",
                                  en: "the process grading this submission could not be started"))
        }
        let ending = children.wait(pid, seconds: command.submissionTimeout)
        let stderrTail = lastLine(of: errorFile)
        switch ending {
        case .timedOut:
            return .failed(L.pick(es: "la corrección de esta entrega tardó más de \(command.submissionTimeout) s y se detuvo",
                                  en: "the grading of this submission took more than \(command.submissionTimeout) s and was stopped"))
        case .signal(let number):
            // SIGKILL from outside the batch is most often the kernel out of memory.
            let killed = number == SIGKILL ? L.pick(es: "; ¿sin memoria?", en: "; out of memory?") : ""
            return .failed(L.pick(es: "la corrección de esta entrega se cayó (señal \(number))",
                                  en: "the grading of this submission crashed (signal \(number))") + killed)
        case .exit(let code):
            guard code == 0, let data = FileManager.default.contents(atPath: reportFile),
                  let report = try? JSONDecoder().decode(GradeReport.self, from: data) else {
                return .failed(L.pick(es: "la corrección de esta entrega terminó con estado \(code) sin informe",
                                      en: "the grading of this submission ended with status \(code) and no report") + stderrTail)
            }
            return .report(report)
        }
    }

    func lastLine(of file: String) -> String {
        guard let data = FileManager.default.contents(atPath: file) else { return "" }
        let line = String(decoding: data.suffix(4096), as: UTF8.self).split(whereSeparator: \.isNewline).last.map(String.init) ?? ""
        return line.isEmpty ? "" : ": " + inert(String(line.prefix(300)))
    }
}

/// The rows of a batch and where they go: appended to the CSV as they finish
/// (one write and fsync a row), the JSON rewritten whole; the file sorted by
/// submission at the end. Without --output the CSV goes to stdout in order.
final class RowSink: @unchecked Sendable {
    let gradebook: Gradebook
    let format: String
    let output: String?
    let order: [String]
    private let lock = NSLock()
    private var rows: [Gradebook.Row] = []
    private var failing: Set<String> = []
    private var descriptor: Int32 = -1
    private var printed = 0
    private var stopped = false

    init(gradebook: Gradebook, format: String, output: String?, order: [String]) {
        self.gradebook = gradebook; self.format = format; self.output = output; self.order = order
    }

    var count: Int { lock.lock(); defer { lock.unlock() }; return rows.filter { $0.status != "missing" }.count }

    func keep(_ previous: [Gradebook.Row]) {
        rows = previous
        for row in previous where !(row.status == "ok" && row.score >= row.maxScore) { failing.insert(row.submission) }
    }

    func doneSubmissions() -> Set<String> { Set(rows.map(\.submission)) }

    func allRows() -> [Gradebook.Row] { lock.lock(); defer { lock.unlock() }; return rows }

    func allPassed() -> Bool { lock.lock(); defer { lock.unlock() }; return failing.isEmpty }

    /// Writes what is kept (a rerun) so that the file is whole before the first new row.
    func start() throws {
        guard let output else { return }
        try rewrite(output)
        if format == "csv" {
            descriptor = open(output, O_WRONLY | O_APPEND | O_CLOEXEC)
            if descriptor < 0 { throw CocoaError(.fileWriteNoPermission) }
        }
    }

    func add(_ row: Gradebook.Row, passed: Bool) {
        lock.lock(); defer { lock.unlock() }
        guard !stopped else { return }
        rows.append(row)
        if !passed { failing.insert(row.submission.isEmpty ? "missing:" + row.learner : row.submission) }
        if let output {
            if format == "csv" {
                let bytes = Array(gradebook.csvLine(row).utf8)
                _ = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
                fsync(descriptor)
            } else {
                try? rewrite(output)
            }
        } else if format == "csv" {
            // stdout: in the folders' order, each row as soon as those before it are done.
            if printed == 0 && rows.count == 1 { print(gradebook.csvHeader(), terminator: "") }
            flushInOrder()
        }
    }

    private func flushInOrder() {
        let byName = Dictionary(rows.map { ($0.submission, $0) }, uniquingKeysWith: { a, _ in a })
        while printed < order.count, let row = byName[order[printed]] {
            print(gradebook.csvLine(row), terminator: "")
            printed += 1
        }
        fflush(stdout)
    }

    func interrupted() {
        lock.lock()
        stopped = true
        if descriptor >= 0 { fsync(descriptor) }
        lock.unlock()
    }

    func finish() throws {
        lock.lock(); defer { lock.unlock() }
        if descriptor >= 0 { close(descriptor); descriptor = -1 }
        rows.sort { ($0.submission.isEmpty ? 1 : 0, $0.submission, $0.learner) < ($1.submission.isEmpty ? 1 : 0, $1.submission, $1.learner) }
        if let output { try rewrite(output); return }
        if format == "json" { print(gradebook.json(rows), terminator: ""); return }
        if printed == 0 && rows.isEmpty { print(gradebook.csvHeader(), terminator: "") }
        let shown = Set(order.prefix(printed))
        for row in rows where !shown.contains(row.submission) || row.submission.isEmpty { print(gradebook.csvLine(row), terminator: "") }
        fflush(stdout)
    }

    private func rewrite(_ output: String) throws {
        let text = format == "json" ? gradebook.json(rows) : gradebook.csv(rows)
        try Data(text.utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
    }
}

/// The batch's children: each in its own process group, killed as a group
/// when it is done, when it runs out of time, or when the batch is interrupted.
final class Children: @unchecked Sendable {
    enum Ending { case exit(Int32), signal(Int32), timedOut }

    private let lock = NSLock()
    private var running: Set<pid_t> = []
    private var sources: [DispatchSourceSignal] = []

    /// Ctrl-C, SIGTERM or SIGHUP: stop every child's group, run `cleanup`, exit 130.
    func onInterrupt(_ cleanup: @escaping @Sendable () -> Void) {
        for number in [SIGINT, SIGTERM, SIGHUP] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [self] in
                lock.lock()
                for pid in running { kill(-pid, SIGKILL) }
                lock.unlock()
                cleanup()
                Glibc.exit(130)
            }
            source.resume()
            sources.append(source)
        }
    }

    func spawn(_ executable: String, _ arguments: [String], stderr errorFile: String) -> pid_t? {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Its own process group (killed whole), the default signal actions back.
        posix_spawnattr_setpgroup(&attributes, 0)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for number in [SIGINT, SIGTERM, SIGHUP, SIGPIPE] { sigaddset(&defaults, number) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF))
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, errorFile, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        lock.lock(); defer { lock.unlock() }
        guard posix_spawn(&pid, executable, &actions, &attributes, argv, environ) == 0 else { return nil }
        running.insert(pid)
        return pid
    }

    func wait(_ pid: pid_t, seconds: Int) -> Ending {
        let deadline = Date().addingTimeInterval(Double(seconds))
        var status: Int32 = 0
        var timedOut = false
        while true {
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid { break }
            if r < 0 && errno != EINTR { break }
            if Date() >= deadline {
                kill(-pid, SIGKILL)
                timedOut = true
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                break
            }
            usleep(50_000)
        }
        lock.lock()
        running.remove(pid)
        kill(-pid, SIGKILL)  // whatever it left behind in its group
        lock.unlock()
        if timedOut { return .timedOut }
        let signal = status & 0x7F
        if signal != 0 && signal != 0x7F { return .signal(signal) }
        return .exit((status >> 8) & 0xFF)
    }
}
