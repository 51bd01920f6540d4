import ArgumentParser
import CapasMessages
import CapasREPL
import Foundation

// `capas … --help` in Spanish. swift-argument-parser writes its help in
// English; when the language is Spanish (--lang es, or LANG=es…), capas takes
// that help and translates it with the tables below: one table per
// subcommand plus the texts they share. An English text without a Spanish
// entry stays English, and SpanishHelpTests fails until it gets one.

enum SpanishHelp {
    /// Texts every command shows.
    static let shared: [String: String] = [
        "OVERVIEW:": "DESCRIPCIÓN:",
        "USAGE:": "USO:",
        "ARGUMENTS:": "ARGUMENTOS:",
        "OPTIONS:": "OPCIONES:",
        "SUBCOMMANDS:": "SUBCOMANDOS:",
        "<options>": "<opciones>",
        "<subcommand>": "<subcomando>",
        "Show help information.": "Muestra esta ayuda.",
        "Language of messages: es or en (default: from LANG).": "Idioma de los mensajes: es o en (por omisión, el de LANG).",
        "Worker threads (default: every core this process may use).": "Hilos de trabajo (por omisión, todos los núcleos que este proceso puede usar).",
        "Mini-batch size.": "Tamaño del minilote.",
        "Where to look for the dataset first.": "Dónde buscar primero el conjunto de datos.",
        "Dataset: fashion-mnist or cifar10, or a folder that holds one.": "Conjunto de datos: fashion-mnist o cifar10, o una carpeta que tenga uno.",
        "Only this exercise.": "Solo este ejercicio.",
        "The course folder (default: found above the current folder).": "La carpeta del curso (por omisión, la que se encuentre por encima de la carpeta actual).",
    ]

    /// Each command's one-line description: in the list of subcommands and atop its own help.
    static let abstracts: [String: String] = [
            "Learn convolutional networks: model language, training, grading. / Aprende redes convolucionales.":
                "Aprende redes convolucionales: el lenguaje de modelos, el entrenamiento, la corrección.",
            "The interactive session (also `capas` with no arguments). / La sesión interactiva.": "La sesión interactiva (también `capas` sin argumentos).",
            "Run a notebook's capas cells and write their outputs into it. / Ejecuta un cuaderno.": "Ejecuta las celdas capas de un cuaderno y escribe sus salidas en él.",
            "Per-layer output shape, parameters and multiply-adds, with totals (torchinfo's conventions).": "Forma de salida, parámetros y multiplicaciones-sumas de cada capa, con totales (las convenciones de torchinfo).",
            "Train a model on FashionMNIST or CIFAR-10, with cross-entropy.": "Entrena un modelo con FashionMNIST o CIFAR-10, con entropía cruzada.",
            "Accuracy, per-class accuracy and confusion matrix of a checkpoint on a test set.": "Exactitud, exactitud por clase y matriz de confusión de un punto de control sobre un conjunto de prueba.",
            "Find and download datasets.": "Encuentra y descarga conjuntos de datos.",
            "Training and inference images/s and peak memory of the reference models (or --accuracy).": "Imágenes/s de entrenamiento e inferencia y memoria máxima de los modelos de referencia (o --accuracy).",
            "Self-check an exercise: its visible checks. / Autocorrección de un ejercicio: sus comprobaciones visibles.": "Autocorrección de un ejercicio: sus comprobaciones visibles.",
            "Grade a submission, or a folder of them, with every check. / Corrige una entrega, o una carpeta de entregas.": "Corrige una entrega, o una carpeta de entregas, con todas las comprobaciones.",
            "Write the learners' version of the exercises from solutions/. / Genera la versión de los estudiantes.": "Genera la versión de los estudiantes de los ejercicios a partir de solutions/.",
            "Write a Gradescope autograder bundle or a GitHub Actions workflow. / Genera el autocorrector de Gradescope o un flujo de GitHub Actions.": "Genera el autocorrector de Gradescope o un flujo de GitHub Actions.",
            "The Jupyter kernel: `capas kernel install --user`, then pick capas in JupyterLab. / El kernel de Jupyter.":
                "El núcleo de Jupyter: `capas kernel install --user`, y luego elige capas en JupyterLab.",
            "Register capas with Jupyter. / Registra capas en Jupyter.": "Registra capas en Jupyter.",
            "Remove capas from Jupyter. / Quita capas de Jupyter.": "Quita capas de Jupyter.",
            "Write text with a character-level language model trained by `capas train char-lstm --data FILE.txt --out DIR`.":
                "Escribe texto con un modelo de lenguaje por caracteres entrenado con `capas train char-lstm --data ARCHIVO.txt --out CARPETA`.",
            "Convert a notebook between Markdown (.md) and Jupyter (.ipynb). / Convierte un cuaderno entre Markdown y Jupyter.":
                "Convierte un cuaderno entre Markdown (.md) y Jupyter (.ipynb).",
    ]

    /// Each subcommand's own texts (abstract, discussion lines, arguments and options), by its path.
    static let tables: [String: [String: String]] = [
        "": [
            "Models are written one layer a line, sizes as height×width×channels:": "Los modelos se escriben una capa por línea, los tamaños como alto×ancho×canales:",
            "Tensors are NCHW inside (PyTorch's convention).": "Por dentro los tensores son NCHW (la convención de PyTorch).",
            "  See 'capas help <subcommand>' for detailed help.": "  Usa 'capas SUBCOMANDO --help' para la ayuda de cada uno.",
        ],
        "run": [
            "The notebook (Markdown with ```capas cells).": "El cuaderno (Markdown con celdas ```capas).",
            "The notebook (Markdown with ```capas cells, or a Jupyter .ipynb).": "El cuaderno (Markdown con celdas ```capas, o un .ipynb de Jupyter).",
            "Write the result here instead of over the notebook.": "Escribe el resultado aquí en vez de sobre el cuaderno.",
            "Run the remaining cells after an error.": "Ejecuta las celdas que quedan después de un error.",
        ],
        "summary": [
            "A model file (model language) or a preset: fnn-small, fnn-deep, cnn-lenet, cnn-medium, cnn-cifar.":
                "Un archivo de modelo (lenguaje de modelos) o un modelo predefinido: fnn-small, fnn-deep, cnn-lenet, cnn-medium, cnn-cifar.",
            "Batch size for the activation-memory estimate.": "Tamaño del lote para estimar la memoria de las activaciones.",
            "Number the layers (the numbers --freeze takes).": "Numera las capas (los números que toma --freeze).",
            "Mark these layers frozen and count their parameters apart, e.g. 0-5.": "Marca estas capas como congeladas y cuenta sus parámetros aparte, p. ej. 0-5.",
            "Replace the head first, as `capas train --head`.": "Primero reemplaza la cabeza, como `capas train --head`.",
        ],
        "train": [
            "A model file (model language) or a preset name.": "Un archivo de modelo (lenguaje de modelos) o el nombre de un modelo predefinido.",
            "Passes over the training set.": "Pasadas por el conjunto de entrenamiento.",
            "sgd, momentum, adam or adadelta.": "sgd, momentum, adam o adadelta.",
            "Learning rate (default: 0.01 sgd/momentum, 0.001 adam, 1.0 adadelta).": "Tasa de aprendizaje (por omisión: 0,01 sgd/momentum, 0,001 adam, 1,0 adadelta).",
            "L2 penalty added to the gradients.": "Penalización L2 que se suma a los gradientes.",
            "Seed for weights, shuffling, dropout and augmentation.": "Semilla de los pesos, el barajado, el dropout y el aumento.",
            "Random horizontal flips and shifts of up to 2 pixels (the ConvNetJS CIFAR-10 demo).": "Volteos horizontales y desplazamientos al azar de hasta 2 píxeles (la demo CIFAR-10 de ConvNetJS).",
            "Use only the first N training images (quick experiments).": "Usa solo las primeras N imágenes de entrenamiento (experimentos rápidos).",
            "Folder for the checkpoint (model.safetensors), the model text and the history.": "Carpeta del punto de control (model.safetensors), el texto del modelo y el historial.",
            "Train and test on these classes only, relabelled 0, 1, 2…, e.g. 0-4 or 5-9.": "Entrena y prueba solo con estas clases, renumeradas 0, 1, 2…, p. ej. 0-4 o 5-9.",
            "With --head: drop this many top-level lines from the end instead.": "Con --head: en vez de eso, quita esta cantidad de líneas de primer nivel desde el final.",
            "Freeze layers by number (the # column of `capas summary --numbered`), e.g. 0-5: they keep their weights and their batch norm its statistics.":
                "Congela capas por número (la columna # de `capas summary --numbered`), p. ej. 0-5: conservan sus pesos, y su batch norm, sus estadísticas.",
            "Replace the head: drop the last layer with weights (and what follows it) and add these layers, e.g. \"dense 5\".":
                "Reemplaza la cabeza: quita la última capa con pesos (y lo que la sigue) y agrega estas capas, p. ej. \"dense 5\".",
            "Start from the weights of a checkpoint (a .safetensors file, or a folder with model.safetensors): every layer whose name and shape match is loaded, the others start at random.":
                "Empieza con los pesos de un punto de control (un archivo .safetensors, o una carpeta con model.safetensors): se carga cada capa cuyo nombre y forma coinciden; las demás empiezan al azar.",
            "Use at most N training images of each class (the first ones in the file).": "Usa como mucho N imágenes de entrenamiento de cada clase (las primeras del archivo).",
            "With a text file (--data FILE.txt): characters per training sequence.": "Con un archivo de texto (--data ARCHIVO.txt): caracteres por secuencia de entrenamiento.",
            "Clip the gradients to this L2 norm (PyTorch's clip_grad_norm_).": "Recorta los gradientes a esta norma L2 (clip_grad_norm_ de PyTorch).",
        ],
        "evaluate": [
            "A checkpoint (.safetensors) written by `capas train`, or by PyTorch with --model.": "Un punto de control (.safetensors) escrito por `capas train`, o por PyTorch con --model.",
            "The model text, when the checkpoint does not store it (a file or a preset).": "El texto del modelo, cuando el punto de control no lo guarda (un archivo o un modelo predefinido).",
            "Only these classes, relabelled 0, 1, 2… (default: the ones the checkpoint was trained on with --classes).":
                "Solo estas clases, renumeradas 0, 1, 2… (por omisión, las del entrenamiento del punto de control con --classes).",
            "Also show test image N going through the network, layer by layer (as :network in the REPL).":
                "Muestra además la imagen de prueba N atravesando la red, capa por capa (como :network en el REPL).",
        ],
        "kernel": [
            "The connection file Jupyter wrote (Jupyter passes it).": "El archivo de conexión que escribió Jupyter (Jupyter lo pasa).",
            "  See 'capas help kernel <subcommand>' for detailed help.": "  Usa 'capas kernel SUBCOMANDO --help' para la ayuda de cada uno.",
        ],
        "kernel install": [
            "In your own Jupyter data folder (~/.local/share/jupyter; the default).": "En tu propia carpeta de datos de Jupyter (~/.local/share/jupyter; por omisión).",
            "In the active virtual environment or conda environment ($VIRTUAL_ENV, $CONDA_PREFIX).": "En el entorno virtual o de conda activo ($VIRTUAL_ENV, $CONDA_PREFIX).",
            "Under PREFIX/share/jupyter.": "Bajo PREFIX/share/jupyter.",
        ],
        "kernel uninstall": [
            "In your own Jupyter data folder (~/.local/share/jupyter; the default).": "En tu propia carpeta de datos de Jupyter (~/.local/share/jupyter; por omisión).",
            "In the active virtual environment or conda environment ($VIRTUAL_ENV, $CONDA_PREFIX).": "En el entorno virtual o de conda activo ($VIRTUAL_ENV, $CONDA_PREFIX).",
            "Under PREFIX/share/jupyter.": "Bajo PREFIX/share/jupyter.",
        ],
        "sample": [
            "The checkpoint: a folder with model.safetensors, or the file.": "El punto de control: una carpeta con model.safetensors, o el archivo.",
            "Characters to write.": "Caracteres que se escriben.",
            "Softmax temperature: low is safe and repetitive, high is varied and wild.": "Temperatura del softmax: baja es segura y repetitiva; alta, variada y loca.",
            "Seed for the random choices.": "Semilla de las elecciones al azar.",
            "Text to start from (only characters of the training text).": "Texto con el que empezar (solo caracteres del texto de entrenamiento).",
        ],
        "convert": [
            "The notebook to read (.md or .ipynb).": "El cuaderno que se lee (.md o .ipynb).",
            "The notebook to write (.ipynb or .md).": "El cuaderno que se escribe (.ipynb o .md).",
        ],
        "data": [
            "Say which datasets were found where.": "Dice qué conjuntos de datos se encontraron y dónde.",
            "Download a dataset from its official location and verify its published MD5 sums.": "Descarga un conjunto de datos de su sitio oficial y verifica sus sumas MD5 publicadas.",
            "  See 'capas help data <subcommand>' for detailed help.": "  Usa 'capas data SUBCOMANDO --help' para la ayuda de cada uno.",
        ],
        "data info": [
            "Say which datasets were found where.": "Dice qué conjuntos de datos se encontraron y dónde.",
            "A folder to look in first.": "Una carpeta donde buscar primero.",
        ],
        "data fetch": [
            "Download a dataset from its official location and verify its published MD5 sums.": "Descarga un conjunto de datos de su sitio oficial y verifica sus sumas MD5 publicadas.",
            "fashion-mnist or cifar10": "fashion-mnist o cifar10",
            "Folder to download into (default: the user cache, ~/.cache/capas).": "Carpeta donde descargar (por omisión, la caché del usuario, ~/.cache/capas).",
        ],
        "bench": [
            "Comma-separated models.": "Modelos separados por comas.",
            "Seconds of training to time per model, after one warm-up batch.": "Segundos de entrenamiento que se miden por modelo, después de un lote de calentamiento.",
            "Train 5 epochs with PyTorch's recipe on the real FashionMNIST and report test accuracy per seed.":
                "Entrena 5 épocas con la receta de PyTorch sobre el FashionMNIST real y da la exactitud de prueba por semilla.",
            "Seeds for --accuracy.": "Semillas para --accuracy.",
            "Epochs for --accuracy.": "Épocas para --accuracy.",
            "One JSON object per model on standard output.": "Un objeto JSON por modelo en la salida estándar.",
            "Also print the time per batch spent in each layer, forward and backward.": "Muestra también el tiempo por lote de cada capa, hacia delante y hacia atrás.",
            "Clock: wall (elapsed time) or cpu (the process's CPU time: with --threads 1, unaffected by other work on a shared machine).":
                "Reloj: wall (tiempo transcurrido) o cpu (el tiempo de CPU del proceso: con --threads 1, no lo altera el resto del trabajo de una máquina compartida).",
        ],
        "check": [
            "Run it in your copy of the exercises (or in one exercise's folder). Hidden checks are not run":
                "Ejecútalo en tu copia de los ejercicios (o en la carpeta de un ejercicio). Las comprobaciones ocultas no se ejecutan",
            "here: the summary says how many are graded later.": "aquí: el resumen dice cuántas se corrigen después.",
            "Exit status: 0 every check run passed, 1 some did not, 2 usage error, 3 grader error.":
                "Estado de salida: 0 pasaron todas las comprobaciones ejecutadas, 1 alguna no, 2 error de uso, 3 error del corrector.",
            "The exercise (its folder name, e.g. 02-sizes-and-parameters); default: every exercise found.":
                "El ejercicio (el nombre de su carpeta, p. ej. 02-sizes-and-parameters); por omisión, todos los que se encuentren.",
            "The folder with your exercises (default: the current folder).": "La carpeta con tus ejercicios (por omisión, la carpeta actual).",
            "The course folder (with grading/); default: $CAPAS_COURSE or found above.": "La carpeta del curso (con grading/); por omisión, $CAPAS_COURSE o la que se encuentre más arriba.",
            "Your learner id (for randomized exercises).": "Tu identificador de estudiante (para los ejercicios con datos al azar).",
            "Report format: text, json, junit, gradescope.": "Formato del informe: text, json, junit, gradescope.",
            "Write the report to this file (e.g. --format junit --output capas-junit.xml).": "Escribe el informe en este archivo (p. ej. --format junit --output capas-junit.xml).",
        ],
        "grade": [
            "capas grade SUBMISSION                 one submission, all checks, a text report": "capas grade ENTREGA                    una entrega, todas las comprobaciones, un informe de texto",
            "capas grade SUBMISSION --format gradescope --output results.json": "capas grade ENTREGA --format gradescope --output results.json",
            "capas grade --batch DIR --jobs 2 --output grades.csv   one CSV row per submission folder in DIR": "capas grade --batch DIR --jobs 2 --output grades.csv   una fila CSV por carpeta de entrega en DIR",
            "In --batch each submission is graded in its own process: a crash or a timeout is that row's":
                "Con --batch cada entrega se corrige en su propio proceso: una caída o un tiempo agotado es el",
            "grader_error. Rows are written as they finish; rerunning with the same --output grades only":
                "grader_error de esa fila. Las filas se escriben al terminar; volver a ejecutar con el mismo --output corrige solo",
            "the missing ones.": "las que faltan.",
            "The course is --course, $CAPAS_COURSE, or the nearest folder with grading/ at or above the":
                "El curso es --course, $CAPAS_COURSE, o la carpeta con grading/ más cercana en o por encima de la",
            "current folder; never one inside the submission.": "carpeta actual; nunca una dentro de la entrega.",
            "Exit status: 0 every check passed, 1 some did not, 2 usage error, 3 grader error.":
                "Estado de salida: 0 pasaron todas las comprobaciones, 1 alguna no, 2 error de uso, 3 error del corrector.",
            "The submission folder (a copy of exercises/, or one exercise's files).": "La carpeta de la entrega (una copia de exercises/, o los archivos de un ejercicio).",
            "The course folder (with grading/); default: $CAPAS_COURSE or found above the current folder.":
                "La carpeta del curso (con grading/); por omisión, $CAPAS_COURSE o la que se encuentre por encima de la carpeta actual.",
            "The learner's id (randomized exercises, hidden seeds); in --batch, the folder name or the roster's id.":
                "El identificador del estudiante (ejercicios al azar, semillas ocultas); con --batch, el nombre de la carpeta o el id de la lista.",
            "Report format: text, json, junit, gradescope; with --batch: csv (default) or json.": "Formato del informe: text, json, junit, gradescope; con --batch: csv (por omisión) o json.",
            "Write the report (or the gradebook) to this file.": "Escribe el informe (o el libro de notas) en este archivo.",
            "Grade every folder in DIR as a submission; the learner id is the folder name.": "Corrige cada carpeta de DIR como una entrega; el id del estudiante es el nombre de la carpeta.",
            "Submissions graded at once in --batch.": "Entregas que se corrigen a la vez con --batch.",
            "--batch: a class list, id,name,email a line (header optional); folders match an id or an email.":
                "--batch: una lista de clase, id,nombre,correo por línea (encabezado opcional); las carpetas coinciden con un id o un correo.",
            "--batch: write each learner's feedback here (ID.txt and ID.json, in --lang).": "--batch: escribe aquí la devolución de cada estudiante (ID.txt e ID.json, en --lang).",
            "--batch: seconds one submission's grading may take before it is stopped.": "--batch: segundos que puede durar la corrección de una entrega antes de detenerla.",
            "Model exercises: retrain from each learner's recipe and flag a gap with the checkpoint.":
                "Ejercicios de modelos: reentrena con la receta de cada estudiante y señala si no coincide con el punto de control.",
            "Where datasets are looked up first.": "Dónde se buscan primero los conjuntos de datos.",
        ],
        "assign": [
            "capas assign                      solutions/ → exercises/ (the handout, with the slides' numbers)":
                "capas assign                      solutions/ → exercises/ (el enunciado, con los números de las diapositivas)",
            "capas assign --roster class.csv --out handout/   one personalised copy per learner (id,name,email; header optional)":
                "capas assign --roster class.csv --out handout/   una copia personal por estudiante (id,nombre,correo; encabezado opcional)",
            "capas assign --new-secret         writes a fresh course secret to grading/secret": "capas assign --new-secret         escribe un secreto nuevo del curso en grading/secret",
            "Solution regions are removed, Swift stubs call notImplemented(…), and each exercise gets":
                "Se quitan las regiones de solución, los esqueletos Swift llaman a notImplemented(…) y cada ejercicio recibe",
            "a checks.json with its visible checks (hidden ones only by name and points).": "un checks.json con sus comprobaciones visibles (las ocultas, solo con nombre y puntos).",
            "Where to write (default: the course's exercises/).": "Dónde escribir (por omisión, exercises/ del curso).",
            "Personalise for this learner id (needs grading/secret).": "Personaliza para este id de estudiante (necesita grading/secret).",
            "A class list, id,name,email a line (header optional): one folder per learner id under --out.":
                "Una lista de clase, id,nombre,correo por línea (encabezado opcional): una carpeta por id de estudiante dentro de --out.",
            "Write a new random course secret to grading/secret (refuses to overwrite one).": "Escribe un secreto al azar nuevo del curso en grading/secret (no sobrescribe uno existente).",
        ],
        "autograder": [
            "capas autograder gradescope --out bundle/ [--roster class.csv]   then zip the folder's contents and upload it":
                "capas autograder gradescope --out bundle/ [--roster class.csv]   luego comprime el contenido de la carpeta en un zip y súbelo",
            "    writes .github/workflows/capas-check.yml; without --capas-repository capas is built":
                "    escribe .github/workflows/capas-check.yml; sin --capas-repository capas se compila",
            "    from the learner's repository itself (a copy of a course repository with capas' source)":
                "    desde el propio repositorio del estudiante (una copia de un repositorio del curso con el código de capas)",
            "gradescope or github": "gradescope o github",
            "Where to write.": "Dónde escribir.",
            "Gradescope: only this exercise.": "Gradescope: solo este ejercicio.",
            "Gradescope: capas' source folder (default: the course folder when it holds capas' source, else the source this capas was built from).":
                "Gradescope: la carpeta del código de capas (por omisión, la del curso si tiene el código de capas; si no, el código con el que se compiló este capas).",
            "Gradescope: the class list (id,name,email) that maps Gradescope's users to learner ids.":
                "Gradescope: la lista de clase (id,nombre,correo) que asocia los usuarios de Gradescope con los ids de estudiante.",
            "GitHub: the repository with capas' source, owner/name (default: the learner's repository itself).":
                "GitHub: el repositorio con el código de capas, dueño/nombre (por omisión, el propio repositorio del estudiante).",
            "GitHub: the branch, tag or commit of --capas-repository.": "GitHub: la rama, etiqueta o commit de --capas-repository.",
            "The Swift version to install.": "La versión de Swift que se instala.",
        ],
    ]

    /// The subcommand path that `arguments` (without the program name) asks help for, or nil
    /// when they ask for no help. `capas help train` and `capas train --help` both give "train".
    static func helpRequest(_ arguments: [String]) -> String? {
        let asksHelp = arguments.contains("--help") || arguments.contains("-h") || arguments.first == "help"
        guard asksHelp else { return nil }
        var path: [String] = []
        var type: ParsableCommand.Type = Capas.self
        var skipValue = false
        for argument in arguments where argument != "help" {
            if skipValue { skipValue = false; continue }
            if argument == "--lang" || argument == "--threads" { skipValue = true; continue }
            if argument.hasPrefix("-") { continue }
            guard let sub = type.configuration.subcommands.first(where: { name(of: $0) == argument }) else { break }
            path.append(argument)
            type = sub
        }
        return path.joined(separator: " ")
    }

    static func name(of type: ParsableCommand.Type) -> String {
        type.configuration.commandName ?? String(describing: type).lowercased()
    }

    static func command(at path: String) -> ParsableCommand.Type {
        var type: ParsableCommand.Type = Capas.self
        for word in path.split(separator: " ") {
            guard let sub = type.configuration.subcommands.first(where: { name(of: $0) == word }) else { break }
            type = sub
        }
        return type
    }

    /// Whether help should be Spanish: `--lang es` among the arguments, else the environment (LANG, LC_ALL…).
    static func wantsSpanish(_ arguments: [String]) -> Bool {
        for (i, argument) in arguments.enumerated() {
            if argument == "--lang", i + 1 < arguments.count { return Language(code: arguments[i + 1]) == .es }
            if argument.hasPrefix("--lang=") { return Language(code: String(argument.dropFirst(7))) == .es }
        }
        return Language.resolve() == .es
    }

    /// The Spanish help of the subcommand at `path`, and the English texts that had no translation.
    static func text(for path: String) -> (text: String, untranslated: [String]) {
        let english = Capas.helpMessage(for: command(at: path), columns: 10_000)
        let table = shared.merging(abstracts) { $1 }.merging(tables[path] ?? [:]) { $1 }
        let keys = table.keys.sorted { $0.count > $1.count }
        var untranslated: [String] = []
        var lines: [String] = []
        for line in english.components(separatedBy: "\n") {
            var out = line
            for key in keys where out.contains(key) {
                out = out.replacingOccurrences(of: key, with: table[key]!)
            }
            out = out.replacingOccurrences(of: "(default: ", with: "(por omisión: ")
            // A text column (after a gap) or a prose line left in English.
            let content = out.trimmingCharacters(in: .whitespaces)
            if out == line, !content.isEmpty, isProse(content), !isExample(line) { untranslated.append(content) }
            lines.append(out)
        }
        return (lines.joined(separator: "\n"), untranslated)
    }

    /// Lines that need no translation: usage lines, option names alone, model examples.
    static func isProse(_ line: String) -> Bool {
        let words = line.split(separator: " ")
        guard words.count >= 2 else { return false }
        if line.hasPrefix("USAGE:") || line.hasPrefix("USO:") || line.hasPrefix("capas ") { return false }
        return line.contains { $0.isLetter } && words.contains { $0.count > 3 && $0.allSatisfy { $0.isLetter } && !$0.hasPrefix("-") }
    }

    /// The model example lines of the root help (`  conv 10 5x5 relu`), the same in both languages.
    static func isExample(_ line: String) -> Bool {
        ["  input 28x28x1", "  conv 10 5x5 relu", "  maxpool 2", "  flatten", "  dense 10"].contains(line)
    }

    /// Prints the Spanish help fitted to the terminal (unfitted in a pipe) and exits 0.
    static func printAndExit(path: String) -> Never {
        var text = text(for: path).text
        if isatty(1) == 1 {
            var size = winsize()
            let columns = ioctl(1, UInt(TIOCGWINSZ), &size) == 0 && size.ws_col > 0 ? Int(size.ws_col) : 80
            text = TerminalFit.fit(text, width: columns)
        }
        print(text)
        exit(0)
    }
}
