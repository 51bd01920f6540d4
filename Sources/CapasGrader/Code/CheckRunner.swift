// One code check: its cases, one sandboxed run of the harness, and the
// verdict from what came back.

import CapasSandbox
import Foundation
#if canImport(Glibc)
import Glibc
#endif

struct CheckRunner {
    let rubric: Rubric
    let check: Rubric.Check
    let index: Int
    let function: any CodeFunction
    let build: SubmissionBuild
    let context: GradingContext
    let options: CodeGrader.Options
    let user: Sandbox.User

    var visible: Bool { check.visibility == .visible }

    func result(_ status: CheckStatus, _ feedback: Bilingual, points: Double = 0, mistake: String? = nil,
                file: String? = nil, line: Int? = nil, seconds: Double = 0) -> CheckResult {
        CheckResult(exercise: rubric.exercise, id: check.id, name: check.name, points: points, maxPoints: check.points,
                    status: status, visibility: check.visibility, feedback: feedback, mistake: mistake,
                    file: file, line: line, tags: check.tags ?? [], seconds: seconds)
    }

    /// The check's cases: visible ones from the rubric's seed, hidden ones
    /// from the course secret as well.
    func cases() throws -> [CodeCase] {
        let seed = check.seed ?? 0
        let effective = visible ? seed
            : CaseGenerator.hiddenSeed(secret: context.secret, exercise: rubric.exercise, check: check.id, seed: seed)
        var generator = CaseGenerator(seed: effective)
        return try function.cases(check.cases ?? "random", count: check.count ?? 5, generator: &generator)
    }

    var limits: SandboxLimits {
        let given = check.limits ?? Rubric.Limits()
        let defaults = options.defaultLimits
        let wall = given.wallSeconds ?? defaults.wallSeconds ?? 10
        // A second of CPU below the wall clock: an endless loop then ends by
        // SIGXCPU, whose handler still reports where it was spinning.
        let cpu = given.cpuSeconds ?? defaults.cpuSeconds ?? max(1, Int(wall.rounded(.up)) - 1)
        let memory = given.memoryMB ?? defaults.memoryMB ?? 1024
        return SandboxLimits(wallClock: .milliseconds(Int64(wall * 1000)), cpuSeconds: max(1, cpu),
                             memoryBytes: memory << 20, fileSizeBytes: 16 << 20, outputBytes: 4096,
                             channelBytes: 64 << 20, openFiles: 64, processes: 64)
    }

    func run() -> CheckResult {
        let cases: [CodeCase]
        do { cases = try self.cases() } catch {
            return result(.graderError, (error as? GraderError)?.message ?? Bilingual("\(error)"))
        }
        guard !cases.isEmpty else {
            return result(.graderError, Bilingual(es: "la comprobación no tiene casos", en: "the check has no cases"))
        }
        let inputs = build.folder + "/inputs-\(index).bin"
        let bytes = Wire.encodeInputs(cases)
        guard FileManager.default.createFile(atPath: inputs, contents: Data(bytes), attributes: [.posixPermissions: 0o644]) else {
            return result(.graderError, Bilingual("cannot write \(inputs)"))
        }
        defer { unlink(inputs) }

        let outcome: SandboxOutcome
        do {
            // The run's folder inside the build folder: one place, removed with it.
            outcome = try Sandbox(limits: limits, user: user, view: .program(libraries: build.toolchain.runtimeLibraries),
                                  temporaryRoot: build.folder, isolation: build.isolation).run(executable: build.harness,
                                                                 arguments: ["-", function.name],
                                                                 standardInput: inputs)
        } catch {
            return result(.graderError, GraderError.internalError(Bilingual(
                es: "no se pudo ejecutar la comprobación: \(error)", en: "the check could not be run: \(error)")).message)
        }
        let seconds = Double(outcome.wallTime.components.seconds) + Double(outcome.wallTime.components.attoseconds) / 1e18
        // The child has exited: only now are the outputs read and the references computed.
        return verdict(outcome: outcome, cases: cases, seconds: seconds)
    }

    func verdict(outcome: SandboxOutcome, cases: [CodeCase], seconds: Double) -> CheckResult {
        var verdict = judge(outcome: outcome, cases: cases, seconds: seconds)
        // What the learner's code printed helps them debug a visible check;
        // it never changes a verdict, and hidden checks do not show it.
        if visible, verdict.status != .passed, let printed = Self.excerpt(outcome.stdout, truncated: outcome.outputTruncated) {
            verdict.feedback = verdict.feedback + Bilingual(es: "\nLo que escribió tu código (stdout):\n",
                                                            en: "\nWhat your code printed (stdout):\n") + printed
        }
        return verdict
    }

    /// At most 1 KiB of what the child printed, marked when cut.
    static func excerpt(_ text: String, truncated: Bool) -> Bilingual? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { return nil }
        let limit = 1024
        let cut = trimmed.utf8.count > limit || truncated
        let shown = trimmed.utf8.count > limit ? String(decoding: trimmed.utf8.prefix(limit), as: UTF8.self) : trimmed
        return Bilingual(shown) + (cut ? Bilingual(es: "\n[… recortado]", en: "\n[… truncated]") : Bilingual(""))
    }

    func judge(outcome: SandboxOutcome, cases: [CodeCase], seconds: Double) -> CheckResult {
        let outputs = Wire.decodeOutputs(outcome.channel, expectedCases: cases.count)
        let caseNumber = outputs.running ?? outputs.results.count
        func during() -> Bilingual {
            guard caseNumber < cases.count else { return Bilingual("") }
            let text = Bilingual(es: " durante el caso \(caseNumber + 1) de \(cases.count)", en: " during case \(caseNumber + 1) of \(cases.count)")
            return visible ? text + Bilingual(" (") + cases[caseNumber].summary + Bilingual(")") : text
        }
        func locate() -> (file: String, line: Int)? { build.locate(trace: outputs.trace) }
        func at(_ place: (file: String, line: Int)?) -> Bilingual {
            guard let place else { return Bilingual("") }
            return Bilingual(es: ", en \(place.file):\(place.line)", en: ", at \(place.file):\(place.line)")
        }
        let fatal = visible ? Self.fatalMessage(outcome.stderr).map { Bilingual("\n" + $0) } ?? Bilingual("") : Bilingual("")

        switch (outcome.termination, outcome.reason) {
        case (_, .wallClock?):
            let wall = limits.wallClock.components.seconds
            return result(.timeout, Bilingual(es: "se agotó el tiempo (\(wall) s de reloj)", en: "timed out (\(wall) s wall clock)")
                          + during() + Bilingual(es: ": ¿un bucle que no termina?", en: ": a loop that never ends?"),
                          seconds: seconds)
        case (_, .cpuTime?):
            let place = locate()
            return result(.timeout, Bilingual(es: "se agotó el tiempo de CPU (\(limits.cpuSeconds) s)",
                                              en: "timed out: CPU time ran out (\(limits.cpuSeconds) s)") + during() + at(place)
                          + Bilingual(es: ": ¿un bucle que no termina?", en: ": a loop that never ends?"),
                          file: place?.file, line: place?.line, seconds: seconds)
        case (_, .memory?):
            let place = locate()
            return result(.crash, Bilingual(es: "memoria agotada (límite \(limits.memoryBytes >> 20) MiB)",
                                            en: "out of memory (limit \(limits.memoryBytes >> 20) MiB)") + during() + at(place),
                          file: place?.file, line: place?.line, seconds: seconds)
        case (_, .fileSize?):
            let place = locate()
            return result(.crash, Bilingual(es: "escribió un archivo mayor que el límite (\(limits.fileSizeBytes >> 20) MiB)",
                                            en: "wrote a file larger than the limit (\(limits.fileSizeBytes >> 20) MiB)")
                          + during() + at(place), file: place?.file, line: place?.line, seconds: seconds)
        case (_, .forbiddenSyscall?):
            let place = locate()
            return result(.crash, Bilingual(es: "llamada al sistema prohibida (procesos, red…)",
                                            en: "forbidden system call (processes, network…)") + during() + at(place),
                          file: place?.file, line: place?.line, seconds: seconds)
        case (_, .channelLimit?), (.channelOverflow, _):
            return result(.invalid, Bilingual(es: "demasiados datos en el canal de resultados", en: "too much data on the result channel"),
                          seconds: seconds)
        case (.exited(notImplementedStatus), nil):
            return result(.notGradable, Bilingual(es: "`\(function.learnerFunction)` todavía sin implementar", en: "`\(function.learnerFunction)` not implemented yet"),
                          seconds: seconds)
        case (.exited(Harness.lockdownFailedStatus), nil) where outputs.results.isEmpty && outputs.running == nil:
            return result(.graderError, GraderError.internalError(Bilingual(
                es: "el aislamiento (seccomp) no se pudo activar; no se ejecutó código del estudiante",
                en: "the isolation (seccomp) could not be installed; no learner code ran")).message, seconds: seconds)
        case (.signaled(let signal), _):
            let place = locate()
            return result(.crash, Bilingual(es: "el programa terminó por la señal \(Self.signalName(signal))",
                                            en: "the program was killed by signal \(Self.signalName(signal))")
                          + Bilingual(es: Self.signalMeaning(signal).es, en: Self.signalMeaning(signal).en)
                          + during() + at(place) + fatal, file: place?.file, line: place?.line, seconds: seconds)
        case (.exited(let status), _) where status != 0:
            return result(.crash, Bilingual(es: "el programa terminó con el estado \(status)", en: "the program exited with status \(status)")
                          + during() + fatal, seconds: seconds)
        default:
            break
        }

        // Exited with status 0: that alone means nothing; the channel must hold every case.
        guard outputs.complete, outputs.problem == nil, outputs.results.count == cases.count else {
            let why: Bilingual
            if let problem = outputs.problem {
                why = problem
            } else if outputs.running != nil {
                why = Bilingual(
                    es: "el resultado de la función nunca llegó: el programa terminó o cerró el canal de resultados dentro de la función (¿exit(), close(3)?)",
                    en: "the function's result never arrived: the program ended or closed the result channel inside the function (exit(), close(3)?)")
            } else {
                why = Bilingual(es: "el canal de resultados se cerró antes de tiempo", en: "the result channel closed early")
            }
            return result(.invalid, Bilingual(es: "resultado no válido: ", en: "invalid result: ") + why + during(), seconds: seconds)
        }

        // Every case came back: compare with the reference, computed now.
        let tolerance = check.comparisonTolerance
        var failing: [(index: Int, comparison: Comparison)] = []
        var references: [Numbers] = []
        for (i, item) in cases.enumerated() {
            let expected = function.reference(item)
            references.append(expected)
            let comparison = Comparison.compare(got: outputs.results[i], expected: expected, tolerance: tolerance)
            if !comparison.matches { failing.append((i, comparison)) }
        }
        if failing.isEmpty {
            return result(.passed, Bilingual(es: "\(cases.count) de \(cases.count) casos coinciden",
                                             en: "\(cases.count) of \(cases.count) cases match"),
                          points: check.points, seconds: seconds)
        }
        let mistake = identifyMistake(cases: cases, got: outputs.results, references: references, tolerance: tolerance)
        let first = failing[0]
        var feedback = Bilingual(es: "\(failing.count) de \(cases.count) casos no coinciden; el primero, el caso \(first.index + 1)",
                                 en: "\(failing.count) of \(cases.count) cases do not match; the first is case \(first.index + 1)")
        if visible {
            feedback = feedback + Bilingual(" (") + cases[first.index].summary + Bilingual("):\n")
                + first.comparison.feedback(tolerance: tolerance)
        } else {
            // Hidden: no inputs, no expected values, only what kind of difference.
            switch first.comparison.outcome {
            case .shapeMismatch: feedback = feedback + Bilingual(es: ": forma incorrecta", en: ": wrong shape")
            case .nonFinite: feedback = feedback + Bilingual(es: ": NaN o infinito en la salida", en: ": NaN or infinity in the output")
            default: feedback = feedback + Bilingual(es: ": valores fuera de la tolerancia", en: ": values outside the tolerance")
            }
        }
        if let mistake {
            feedback = feedback + Bilingual(es: "\nError reconocido: ", en: "\nRecognised mistake: ") + mistake.feedback
        }
        // No line to point at, but the file is the learner's: CI annotations land on it.
        return result(.failed, feedback, mistake: mistake?.id, file: rubric.files?.first, seconds: seconds)
    }

    /// The catalogued mistake that explains every wrong case (and is not
    /// contradicted by a right one), if any.
    func identifyMistake(cases: [CodeCase], got: [Numbers], references: [Numbers], tolerance: Tolerance) -> KnownMistake? {
        for mistake in function.mistakes {
            var explains = true, discriminates = false
            for i in cases.indices {
                // A variant that cannot exist for this case (nil) neither confirms nor refutes the mistake.
                guard let variant = function.mistaken(mistake.id, cases[i]) else { continue }
                let differs = !Comparison.compare(got: variant, expected: references[i], tolerance: tolerance).matches
                // NaN and ∞ never pass a check, but a learner's overflow can be exactly the mistake's.
                let matchesVariant = Comparison.compare(got: got[i], expected: variant, tolerance: tolerance).matches
                    || Self.sameNonFinite(got[i], variant, tolerance: tolerance)
                if matchesVariant && differs { discriminates = true; continue }
                if matchesVariant { continue }   // the variant equals the reference here
                explains = false
                break
            }
            if explains && discriminates { return mistake }
        }
        return nil
    }

    /// Equal shapes, non-finite in the same places (NaN with NaN, ∞ with the
    /// same ∞), and within the tolerance everywhere else. Only for naming
    /// a mistake: such an output still fails.
    static func sameNonFinite(_ got: Numbers, _ variant: Numbers, tolerance: Tolerance) -> Bool {
        guard got.shape == variant.shape, got.values.count == variant.values.count,
              variant.values.contains(where: { !$0.isFinite }) else { return false }
        for (g, v) in zip(got.values, variant.values) {
            if v.isNaN { if !g.isNaN { return false }; continue }
            if v.isInfinite { if g != v { return false }; continue }
            if !tolerance.accepts(got: g, expected: v) { return false }
        }
        return true
    }

    /// The runtime's "Fatal error: …" line, if the child printed one.
    static func fatalMessage(_ stderr: String) -> String? {
        for line in stderr.split(separator: "\n") where line.contains("Fatal error") || line.contains("Precondition failed")
            || line.contains("Assertion failed") {
            return String(line.prefix(400))
        }
        return nil
    }

    static func signalName(_ signal: Int32) -> String {
        switch signal {
        case SIGILL: "SIGILL"
        case SIGTRAP: "SIGTRAP"
        case SIGSEGV: "SIGSEGV"
        case SIGBUS: "SIGBUS"
        case SIGFPE: "SIGFPE"
        case SIGABRT: "SIGABRT"
        case SIGKILL: "SIGKILL"
        case SIGSYS: "SIGSYS"
        case SIGXFSZ: "SIGXFSZ"
        case SIGPIPE: "SIGPIPE"
        default: "\(signal)"
        }
    }

    static func signalMeaning(_ signal: Int32) -> (es: String, en: String) {
        switch signal {
        case SIGILL, SIGTRAP:
            (" (un error de Swift: índice fuera de rango, desbordamiento, nil inesperado, precondition…)",
             " (a Swift runtime error: index out of range, overflow, unexpected nil, precondition…)")
        case SIGSEGV, SIGBUS: (" (acceso a memoria no válido, o la pila se desbordó: ¿recursión sin fin?)",
                               " (invalid memory access, or the stack overflowed: endless recursion?)")
        case SIGFPE: (" (división entera por cero)", " (integer division by zero)")
        case SIGABRT: (" (abort)", " (abort)")
        default: ("", "")
        }
    }
}
