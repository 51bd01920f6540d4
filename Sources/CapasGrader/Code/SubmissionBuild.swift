// Compiling one submission once: the learner's files and the generated
// harness, debug with symbols (`-Onone -g`, so a crash names the learner's
// file and line), Swift 5 language mode pinned, against CapasExercise only.

import CapasSandbox
import Foundation
#if canImport(Glibc)
import Glibc
#endif

struct SubmissionBuild {
    /// The submission's build folder (outside any /tmp the sandbox replaces).
    let folder: String
    /// The learner's files as given in the rubric (relative paths).
    let files: [String]
    let toolchain: Toolchain

    var harness: String { folder + "/harness" }
    var sources: String { folder + "/src" }

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
    static func runsRoot(workFolder: URL, toolchain: Toolchain) -> String {
        if let root = ProcessInfo.processInfo.environment["CAPAS_GRADER_RUNS"], !root.isEmpty { return root }
        let work = workFolder.resolvingSymlinksInPath().path
        let hiddenFromChild = ["/tmp", "/var/tmp", "/dev/shm"].contains { work == $0 || work.hasPrefix($0 + "/") }
        if !hiddenFromChild && reachableByOthers(work) { return work }
        return (toolchain.modules as NSString).deletingLastPathComponent + "/capas-grader-runs"
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
    /// harness in it but not list it) and copies the learner's files in.
    static func prepare(exerciseFolder: URL, files: [String], root: String, toolchain: Toolchain) throws -> SubmissionBuild {
        let fm = FileManager.default
        try fm.createDirectory(atPath: root, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o711])
        chmod(root, 0o711)
        var template = Array((root + "/submission-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else {
            throw GraderError.internalError(Bilingual("cannot create a build folder in \(root): \(String(cString: strerror(errno)))"))
        }
        let folder = String(cString: made)
        chmod(folder, 0o711)
        let build = SubmissionBuild(folder: folder, files: files, toolchain: toolchain)
        try fm.createDirectory(atPath: build.sources, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try fm.createDirectory(atPath: folder + "/modules", withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
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
                                   withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            try fm.copyItem(atPath: exerciseFolder.appendingPathComponent(file).path, toPath: destination)
            chmod(destination, 0o600)
        }
        return build
    }

    func remove() { try? FileManager.default.removeItem(atPath: folder) }

    /// Compiles the harness; throws `Failure` with the learner-facing story.
    func compile(functions: [any CodeFunction], timeout: Double) throws {
        // Top-level code is only allowed in a file called main.swift.
        try FileManager.default.createDirectory(atPath: folder + "/harness-src", withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let main = folder + "/harness-src/main.swift"
        try Harness.mainSource(calls: functions.map { ($0.name, $0.call) })
            .write(toFile: main, atomically: true, encoding: .utf8)
        let arguments = ["-Onone", "-g", "-swift-version", "5", "-module-name", "Submission",
                         "-I", folder + "/modules", "-o", harness]
            + files.map { sources + "/" + $0 } + [main] + toolchain.objects + ["-lm"]
        let run = try ToolProcess.run(toolchain.swiftc, arguments, directory: folder, timeout: timeout)
        let output = relativize(run.output)
        if run.timedOut {
            let message = Bilingual(es: "la compilación tardó más de \(Int(timeout)) s y se detuvo",
                                    en: "compilation took longer than \(Int(timeout)) s and was stopped")
            throw Failure(message: message, file: files.first, line: nil, compilerOutput: output, summary: message)
        }
        guard run.status == 0, FileManager.default.isExecutableFile(atPath: harness) else {
            throw diagnose(output, functions: functions)
        }
        chmod(harness, 0o755)
    }

    /// Build paths out of compiler output: the learner sees their own file names.
    func relativize(_ text: String) -> String {
        text.replacingOccurrences(of: sources + "/", with: "")
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
        let arguments = addr2line ? ["-e", harness] + addresses : ["--obj=" + harness] + addresses
        guard let run = try? ToolProcess.run(symbolizer, arguments, directory: folder, timeout: 10), !run.timedOut else {
            return nil
        }
        // llvm-symbolizer: one block per address (inlined frames first), blank-line separated; addr2line: one line each.
        let blocks = addr2line ? run.output.split(separator: "\n").map { [String($0)] }
            : run.output.components(separatedBy: "\n\n").map { $0.split(separator: "\n").map(String.init) }
        func place(in block: [String]) -> (file: String, line: Int)? {
            for text in block where text.hasPrefix(sources + "/") {
                let parts = text.dropFirst(sources.count + 1).split(separator: ":", omittingEmptySubsequences: false)
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
