import ArgumentParser
import CapasKernel
import CapasMessages
import Foundation

/// `capas kernel -f CONNECTION.json` runs the Jupyter kernel; `capas kernel install` registers it with Jupyter.
struct KernelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kernel",
        abstract: "The Jupyter kernel: `capas kernel install --user`, then pick capas in JupyterLab. / El kernel de Jupyter.",
        subcommands: [Install.self, Uninstall.self])

    @Option(name: .customShort("f"), help: "The connection file Jupyter wrote (Jupyter passes it).")
    var connectionFile: String?

    @OptionGroup var global: GlobalOptions

    func run() throws {
        try global.apply()
        // The kernelspec's env says the language (capas kernel install --lang).
        if global.lang == nil, let code = ProcessInfo.processInfo.environment["CAPAS_LANG"], let language = Language(code: code) {
            Messages.language = language
        }
        let L = Messages.language
        guard let connectionFile else {
            throw ValidationError(L.pick(es: "falta -f ARCHIVO (el archivo de conexión de Jupyter); para registrar el kernel: capas kernel install --user",
                                         en: "missing -f FILE (Jupyter's connection file); to register the kernel: capas kernel install --user"))
        }
        try guarded {
            let info = try ConnectionInfo(contentsOf: connectionFile)
            let kernel: Kernel
            do { kernel = try Kernel(connection: info, language: L) } catch let error as SocketError {
                fail(KernelStartError(error: error))
            }
            kernel.run()
        }
    }

    struct KernelStartError: LocalizedMessage {
        let error: SocketError
        func message(in L: Language) -> String {
            L.pick(es: "no se pueden abrir los canales del kernel (\(error))", en: "cannot open the kernel's channels (\(error))")
        }
    }

    /// Where the kernelspec goes: --user (the default), --sys-prefix or --prefix P.
    struct PlaceOptions: ParsableArguments {
        @Flag(help: "In your own Jupyter data folder (~/.local/share/jupyter; the default).")
        var user = false
        @Flag(help: "In the active virtual environment or conda environment ($VIRTUAL_ENV, $CONDA_PREFIX).")
        var sysPrefix = false
        @Option(help: "Under PREFIX/share/jupyter.")
        var prefix: String?

        func place(language L: Language) throws -> KernelSpec.Place {
            let chosen = [user, sysPrefix, prefix != nil].filter { $0 }.count
            guard chosen <= 1 else {
                throw ValidationError(L.pick(es: "elige solo uno de --user, --sys-prefix y --prefix", en: "choose only one of --user, --sys-prefix and --prefix"))
            }
            if let prefix { return .prefix(prefix) }
            if sysPrefix {
                let env = ProcessInfo.processInfo.environment
                guard let p = env["VIRTUAL_ENV"] ?? env["CONDA_PREFIX"], !p.isEmpty else {
                    throw ValidationError(L.pick(es: "--sys-prefix necesita un entorno virtual activo (VIRTUAL_ENV o CONDA_PREFIX); o usa --prefix CARPETA",
                                                 en: "--sys-prefix needs an active virtual environment (VIRTUAL_ENV or CONDA_PREFIX); or use --prefix FOLDER"))
                }
                return .prefix(p)
            }
            return .user
        }
    }

    struct Install: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Register capas with Jupyter. / Registra capas en Jupyter.")
        @OptionGroup var place: PlaceOptions
        @OptionGroup var global: GlobalOptions

        func run() throws {
            try global.apply()
            let L = Messages.language
            let where_ = try place.place(language: L)
            try guarded {
                let dir = try KernelSpec.install(where_, executable: executablePath(), language: L,
                                                 environment: ProcessInfo.processInfo.environment)
                print(L.pick(es: "kernel capas instalado en \(dir) (mensajes en español); abre JupyterLab y elige capas",
                             en: "capas kernel installed in \(dir) (messages in English); open JupyterLab and pick capas"))
            }
        }
    }

    struct Uninstall: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove capas from Jupyter. / Quita capas de Jupyter.")
        @OptionGroup var place: PlaceOptions
        @OptionGroup var global: GlobalOptions

        func run() throws {
            try global.apply()
            let L = Messages.language
            let where_ = try place.place(language: L)
            try guarded {
                if let dir = try KernelSpec.uninstall(where_, environment: ProcessInfo.processInfo.environment) {
                    print(L.pick(es: "kernel capas quitado de \(dir)", en: "capas kernel removed from \(dir)"))
                } else {
                    print(L.pick(es: "el kernel capas no estaba instalado en \(KernelSpec.directory(where_, environment: ProcessInfo.processInfo.environment))",
                                 en: "the capas kernel was not installed in \(KernelSpec.directory(where_, environment: ProcessInfo.processInfo.environment))"))
                }
            }
        }
    }
}

/// This program's absolute path (what kernel.json starts).
func executablePath() -> String {
    if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return path }
    let arg = CommandLine.arguments[0]
    if arg.hasPrefix("/") { return arg }
    return URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(arg).standardized.path
}
