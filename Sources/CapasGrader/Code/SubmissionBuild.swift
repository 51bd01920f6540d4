// Compiling one submission once: the learner's files and the generated
// harness, debug with symbols (`-Onone -g`, so a crash names the learner's
// file and line), Swift 5 language mode pinned, against CapasExercise only.

import CapasSandbox
import Foundation
#if canImport(Glibc)
import Glibc
#endif

struct SubmissionBuild {
    /// The submission's build folder (outside any /tmp the sandbox replaces),
    /// the grader's own: mode 0711, nothing in it written by learner code.
    let folder: String
    /// The learner's files as given in the rubric (relative paths).
    let files: [String]
    let toolchain: Toolchain
    /// How runs are isolated (bubblewrap, or the spawner alone).
    let isolation: Sandbox.Isolation
    let user: Sandbox.User

    /// The harness, copied by content out of the compiler's folder.
    var harness: String { folder + "/harness" }
    /// The learner's files (copies) on the grader's side.
    var sources: String { folder + "/src" }
    var bubblewrap: Bool { if case .bubblewrap = isolation { true } else { false } }
    /// Where the compiler and the symbolizer see the learner's files: under
    /// bubblewrap a neutral path (so `#filePath` and debug information show
    /// no folder of the grader's machine), else the copies' real folder.
    var sourcesSeen: String { bubblewrap ? "/submission/src" : sources }
    var harnessSourceSeen: String { bubblewrap ? "/submission/harness-src/main.swift" : folder + "/harness-src/main.swift" }

    /// A compile that did not produce a harness.
    struct Failure: Error {
        var message: Bilingual
        var file: String?
        var line: Int?
        var compilerOutput: String
        /// The message without the compiler's output.
        var summary: Bilingual
        /// The learner's files compiled; only the harness's calls failed (a function missing or with another signature).
        var onlyHarness = false
    }

    /// The folder under which submission builds go. The sandbox gives its
    /// child a private /tmp (and /var/tmp, /dev/shm), so a harness there
    /// would not exist for the child: such work folders are replaced by one
    /// beside the build products (or `CAPAS_GRADER_RUNS`).
    /// A normal user grading with a capas someone else built (root's build
    /// folder, an installed copy) cannot write beside the products: builds
    /// then go to `$XDG_CACHE_HOME/capas/grader-runs` (else `~/.cache/…`),
    /// which the child reaches since it keeps that user's uid.
    static func runsRoot(workFolder: URL, toolchain: Toolchain) -> String {
        runsRoot(workFolder: workFolder, products: (toolchain.modules as NSString).deletingLastPathComponent,
                 environment: ProcessInfo.processInfo.environment, isRoot: geteuid() == 0, canCreate: canCreate)
    }

    static func runsRoot(workFolder: URL, products: String, environment: [String: String], isRoot: Bool,
                         canCreate: (String) -> Bool) -> String {
        if let root = environment["CAPAS_GRADER_RUNS"], !root.isEmpty { return root }
        let work = workFolder.resolvingSymlinksInPath().path
        let hiddenFromChild = { (path: String) in ["/tmp", "/var/tmp", "/dev/shm"].contains { path == $0 || path.hasPrefix($0 + "/") } }
        if !hiddenFromChild(work) && (!isRoot || reachableByOthers(work)) { return work }
        let beside = products + "/capas-grader-runs"
        if isRoot || canCreate(beside) { return beside }
        let cache = environment["XDG_CACHE_HOME"].flatMap { $0.hasPrefix("/") ? $0 : nil }
            ?? environment["HOME"].flatMap { $0.hasPrefix("/") && $0 != "/" ? $0 + "/.cache" : nil }
        guard let cache, !hiddenFromChild(cache) else { return beside }
        return cache + "/capas/grader-runs"
    }

    /// Can this process make submission folders in `path` (or make `path`, the first missing ancestor being writable)?
    static func canCreate(_ path: String) -> Bool {
        var current = path
        while !current.isEmpty && current != "/" {
            if FileManager.default.fileExists(atPath: current) { return access(current, W_OK | X_OK) == 0 }
            current = (current as NSString).deletingLastPathComponent
        }
        return false
    }

    /// Can another user reach `path`? (Every ancestor searchable by others.)
    static func reachableByOthers(_ path: String) -> Bool {
        if geteuid() != 0 { return true }   // the child keeps our uid
        var current = (path as NSString).deletingLastPathComponent
        while !current.isEmpty && current != "/" {
            var info = stat()
            guard stat(current, &info) == 0, info.st_mode & S_IXOTH != 0 else { return false }
            current = (current as NSString).deletingLastPathComponent
        }
        return true
    }

    /// Creates a fresh folder (mode 0711: the sandboxed user may run the
    /// harness in it but not list it) and copies the learner's files in by
    /// content (`SubmissionFiles`: no link, device, FIFO or hard link is
    /// ever followed or read; each is refused by name).
    static func prepare(exerciseFolder: URL, files: [String], root: String, toolchain: Toolchain,
                        user: Sandbox.User) throws -> SubmissionBuild {
        let fm = FileManager.default
        func unusable(_ reason: String) -> GraderError {
            GraderError.internalError(Bilingual(
                es: "no se puede crear una carpeta de compilación en \(root): \(reason) (CAPAS_GRADER_RUNS elige otra, fuera de /tmp)",
                en: "cannot create a build folder in \(root): \(reason) (CAPAS_GRADER_RUNS chooses another, outside /tmp)"))
        }
        do {
            try fm.createDirectory(atPath: root, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o711])
        } catch {
            throw unusable((error as NSError).localizedDescription)
        }
        chmod(root, 0o711)
        var template = Array((root + "/submission-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else {
            throw unusable(String(cString: strerror(errno)))
        }
        let folder = String(cString: made)
        chmod(folder, 0o711)
        let build = SubmissionBuild(folder: folder, files: files, toolchain: toolchain, isolation: Sandbox.isolation, user: user)
        // Readable by the compiler's user, which is not the grader's.
        for sub in ["src", "harness-src", "modules"] {
            try fm.createDirectory(atPath: folder + "/" + sub, withIntermediateDirectories: true,
                                   attributes: [.posixPermissions: 0o755])
        }
        // Only CapasExercise can be imported: not CapasCore or any other module of the build.
        for suffix in [".swiftmodule", ".swiftdoc"] {
            let source = toolchain.modules + "/CapasExercise" + suffix
            if fm.fileExists(atPath: source) {
                try fm.createSymbolicLink(atPath: folder + "/modules/CapasExercise" + suffix, withDestinationPath: source)
            }
        }
        for file in files {
            let destination = build.sources + "/" + file
            try fm.createDirectory(atPath: (destination as NSString).deletingLastPathComponent,
                                   withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
            try SubmissionFiles.copy(file, in: exerciseFolder, to: destination, mode: 0o644, limit: 1 << 20)
        }
        return build
    }

    func remove() { WorkDirectory.removeTree(folder) }

    /// What the compiler and the symbolizer see under bubblewrap: /usr, the
    /// toolchain at its own path, the learner's files and the harness
    /// source at /submission, CapasExercise's module and objects at /capas.
    func toolView(harnessInside: Bool) -> SandboxView {
        var mounts: [SandboxView.Mount] = toolchain.roots.map { .readOnly($0, at: $0) }
        mounts.append(.readOnly(sources, at: "/submission/src"))
        mounts.append(.readOnly(folder + "/harness-src", at: "/submission/harness-src"))
        for suffix in [".swiftmodule", ".swiftdoc"] {
            let source = toolchain.modules + "/CapasExercise" + suffix
            if FileManager.default.fileExists(atPath: source) {
                mounts.append(.readOnly(source, at: "/capas/modules/CapasExercise" + suffix))
            }
        }
        for object in toolchain.objects {
            mounts.append(.readOnly(object, at: "/capas/objects/" + (object as NSString).lastPathComponent))
        }
        if harnessInside { mounts.append(.readOnly(harness, at: "/submission/harness")) }
        return .tool(mounts)
    }

    /// Runs one of the toolchain's programs on learner input, sandboxed
    /// like the learner's own code (its own uid, no network, nothing of the
    /// host but the toolchain, limits), with `collect` reading what it left.
    func runTool(_ program: String, _ arguments: [String], timeout: Double, harnessInside: Bool = false,
                 collect: ((Int32) -> Void)? = nil) throws -> SandboxOutcome {
        let limits = SandboxLimits(wallClock: .milliseconds(Int64(timeout * 1000)), cpuSeconds: max(1, Int(timeout.rounded(.up))),
                                   memoryBytes: 4 << 30, fileSizeBytes: 256 << 20, outputBytes: 64 << 10,
                                   channelBytes: 0, openFiles: 256, processes: 64)
        var sandbox = Sandbox(limits: limits, user: user, profile: .tool, view: toolView(harnessInside: harnessInside),
                              temporaryRoot: folder, isolation: isolation)
        sandbox.runInPlace = true
        var environment = Sandbox.minimalEnvironment
        environment["PATH"] = ((program as NSString).deletingLastPathComponent) + ":/usr/bin:/bin"
        do {
            return try sandbox.run(executable: program, arguments: arguments, environment: environment, collect: collect)
        } catch {
            throw GraderError.internalError(Bilingual(
                es: "no se pudo ejecutar \((program as NSString).lastPathComponent) aislado: \(error)",
                en: "could not run \((program as NSString).lastPathComponent) in the sandbox: \(error)"))
        }
    }

    /// Compiles the harness; throws `Failure` with the learner-facing story.
    func compile(functions: [any CodeFunction], timeout: Double) throws {
        // Top-level code is only allowed in a file called main.swift.
        let main = folder + "/harness-src/main.swift"
        unlink(main)
        try Harness.mainSource(calls: functions.map { ($0.name, $0.call) })
            .write(toFile: main, atomically: false, encoding: .utf8)
        chmod(main, 0o644)
        unlink(harness)
        let modules = bubblewrap ? "/capas/modules" : folder + "/modules"
        let objects = bubblewrap ? toolchain.objects.map { "/capas/objects/" + ($0 as NSString).lastPathComponent }
            : toolchain.objects
        // Relative paths: the compiler works in its run's own folder (/tmp to it).
        let arguments = ["-Onone", "-g", "-swift-version", "5", "-module-name", "Submission",
                         "-I", modules, "-module-cache-path", "module-cache", "-o", "harness"]
            + files.map { sourcesSeen + "/" + $0 } + [harnessSourceSeen] + objects + ["-lm"]
        var produced = false
        var copyProblem: String?
        let run = try runTool(toolchain.swiftc, arguments, timeout: timeout) { work in
            // The compiler's output is the run's: copied by content into the
            // grader's folder, never used where it was made.
            do {
                try SubmissionFiles.write(SubmissionFiles.read(named: "harness", in: work, limit: 256 << 20),
                                          to: harness, mode: 0o755, name: "harness")
                produced = true
            } catch let refusal as SubmissionFiles.Refusal {
                copyProblem = refusal.message.en
            } catch {
                copyProblem = "\(error)"
            }
        }
        let output = relativize(run.stdout + run.stderr)
        if run.termination == .timedOut || run.reason == .cpuTime {
            let message = Bilingual(es: "la compilación tardó más de \(Int(timeout)) s y se detuvo",
                                    en: "compilation took longer than \(Int(timeout)) s and was stopped")
            throw Failure(message: message, file: files.first, line: nil, compilerOutput: output, summary: message)
        }
        if run.reason == .memory {
            let message = Bilingual(es: "la compilación agotó la memoria (4 GiB) y se detuvo",
                                    en: "compilation ran out of memory (4 GiB) and was stopped")
            throw Failure(message: message, file: files.first, line: nil, compilerOutput: output, summary: message)
        }
        guard run.termination == .exited(0), produced else {
            if run.termination == .exited(0), let copyProblem {
                throw GraderError.internalError(Bilingual("the compiled harness could not be taken: \(copyProblem)"))
            }
            throw diagnose(output, functions: functions)
        }
    }

    /// Build paths out of compiler output: the learner sees their own file names.
    func relativize(_ text: String) -> String {
        text.replacingOccurrences(of: sourcesSeen + "/", with: "")
            .replacingOccurrences(of: sources + "/", with: "")
            .replacingOccurrences(of: "/submission/", with: "")
            .replacingOccurrences(of: folder + "/", with: "")
    }

    /// The first error in one of the learner's files names the place; an
    /// error in the harness means the function is missing or has another signature.
    func diagnose(_ output: String, functions: [any CodeFunction]) -> Failure {
        let lines = output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var firstFile: String?, firstLine: Int?
        var harnessError = false, harnessClash = false
        for line in lines where line.contains(": error: ") {
            let location = line.components(separatedBy: ": error: ")[0].split(separator: ":")
            guard location.count >= 3, let number = Int(location[location.count - 2]) else { continue }
            let file = location[0..<(location.count - 2)].joined(separator: ":")
            if files.contains(file) {
                if firstFile == nil { firstFile = file; firstLine = number }
            } else if file.hasSuffix("harness-src/main.swift") {
                harnessError = true
                if line.contains("redeclaration") || line.contains("ambiguous") { harnessClash = true }
            }
        }
        // Keep the compiler's own words, but not too many of them.
        var shown = lines.filter { !$0.hasPrefix("error: emit-module command failed") }.prefix(60).joined(separator: "\n")
        if shown.utf8.count > 6000 { shown = String(shown.prefix(6000)) + "\n…" }
        var learnerFunctions: [String] = []
        for function in functions where !learnerFunctions.contains(function.learnerFunction) {
            learnerFunctions.append(function.learnerFunction)
        }
        let names = learnerFunctions.map { "`\($0)`" }.joined(separator: ", ")
        var message: Bilingual
        if let firstFile, let firstLine {
            message = Bilingual(es: "no compila: error en \(firstFile):\(firstLine)", en: "does not compile: error at \(firstFile):\(firstLine)")
        } else if harnessClash {
            message = Bilingual(
                es: "no compila: un nombre de tu código choca con el programa del corrector (los nombres que empiezan por `capasHarness` están reservados)",
                en: "does not compile: a name in your code clashes with the grader's program (names starting with `capasHarness` are reserved)")
        } else if harnessError {
            message = Bilingual(
                es: "no compila: falta la función \(names) o su firma no es la del enunciado",
                en: "does not compile: the function \(names) is missing or its signature is not the one asked for")
        } else if output.contains("undefined reference") || output.contains("multiple definition") || output.contains("duplicate symbol") {
            message = Bilingual(es: "no enlaza (símbolos que faltan o repetidos)", en: "does not link (missing or duplicate symbols)")
        } else {
            message = Bilingual(es: "no compila", en: "does not compile")
        }
        let summary = message
        message = message + Bilingual("\n" + shown)
        return Failure(message: message, file: firstFile ?? files.first, line: firstLine, compilerOutput: shown, summary: summary,
                       onlyHarness: firstFile == nil && harnessError && !harnessClash)
    }

    /// The learner's file and line of a crash's return addresses, if any
    /// frame is in their code. Each address is looked up twice: minus one
    /// (a return address: the call is the instruction before) and as is
    /// (the frame a signal interrupted, where the address is exact).
    func locate(trace: [UInt64]) -> (file: String, line: Int)? {
        guard let symbolizer = toolchain.symbolizer, !trace.isEmpty else { return nil }
        let frames = trace.filter { $0 > 0 && $0 < 1 << 40 }
        guard !frames.isEmpty else { return nil }
        let addresses = frames.flatMap { ["0x" + String($0 - 1, radix: 16), "0x" + String($0, radix: 16)] }
        let addr2line = symbolizer.hasSuffix("addr2line")
        // The harness's debug information is built from learner code: the
        // symbolizer reads it sandboxed, like the compiler.
        let object = bubblewrap ? "/submission/harness" : harness
        let arguments = addr2line ? ["-e", object] + addresses : ["--obj=" + object] + addresses
        guard let run = try? runTool(symbolizer, arguments, timeout: 10, harnessInside: true),
              run.termination == .exited(0) else {
            return nil
        }
        let output = run.stdout
        // llvm-symbolizer: one block per address (inlined frames first), blank-line separated; addr2line: one line each.
        let blocks = addr2line ? output.split(separator: "\n").map { [String($0)] }
            : output.components(separatedBy: "\n\n").map { $0.split(separator: "\n").map(String.init) }
        func place(in block: [String]) -> (file: String, line: Int)? {
            for text in block where text.hasPrefix(sourcesSeen + "/") {
                let parts = text.dropFirst(sourcesSeen.count + 1).split(separator: ":", omittingEmptySubsequences: false)
                // file:line:column (llvm-symbolizer) or file:line (addr2line)
                let numberIndex = parts.count >= 3 && Int(parts[parts.count - 1]) != nil ? parts.count - 2 : parts.count - 1
                guard numberIndex >= 1, let number = Int(parts[numberIndex].split(separator: " ").first ?? ""), number > 0 else {
                    continue
                }
                let file = parts[0..<numberIndex].joined(separator: ":")
                if files.contains(file) { return (file, number) }
            }
            return nil
        }
        var index = 0
        while index + 1 < blocks.count {
            if let found = place(in: blocks[index]) ?? place(in: blocks[index + 1]) { return found }
            index += 2
        }
        return nil
    }
}
