import CapasMessages
import Foundation

// :help NAME for one layer, command or formula: what it is, how to write it,
// and an example. Layer and formula examples are run in a fresh session when
// the help is shown, so what they print is what capas computes today.

extension Help {
    struct Entry {
        /// The names it answers to; the first is shown.
        let names: [String]
        /// How it is written (the model language and commands are the same in both languages).
        let syntax: String
        let es: String
        let en: String
        /// Entries run in a fresh session, shown with their replies.
        var run: [String] = []
        /// Example lines shown as they are (commands that read data or files).
        var show: [String] = []
    }

    static let entries: [Entry] = layers + commandEntries + formulaEntries

    // MARK: layers

    static let layers: [Entry] = [
        Entry(names: ["input", "entrada"], syntax: "input ALTOxANCHOxCANALES | input N",
              es: "La entrada del modelo: una imagen alto×ancho×canales (28x28x1 en FashionMNIST, 32x32x3 en CIFAR-10), una secuencia largo×canales o un vector de N valores. Una nueva línea input vuelve a analizar todo el modelo.",
              en: "The model's input: an image height×width×channels (28x28x1 for FashionMNIST, 32x32x3 for CIFAR-10), a sequence length×channels, or a vector of N values. A new input line re-analyses the whole model.",
              run: ["input 32x32x3"]),
        Entry(names: ["conv", "conv2d", "convolution", "convolución"],
              syntax: "conv FILTROS KxK [stride=1] [pad=0|same|valid] [groups=1] [dilation=1] [bias=no] [relu]",
              es: "Convolución 2D (correlación cruzada, como PyTorch y Keras): k filtros de f×f×c recorren la entrada. Salida ⌊(n + 2p − f)/s⌋ + 1 por eje y k canales; parámetros (f·f·c + 1)·k. pad=same conserva el tamaño con stride 1. La función conv(A, K) calcula una convolución sobre una matriz (:help functions).",
              en: "2-D convolution (cross-correlation, as in PyTorch and Keras): k filters of f×f×c slide over the input. Output ⌊(n + 2p − f)/s⌋ + 1 per axis and k channels; parameters (f·f·c + 1)·k. pad=same keeps the size with stride 1. The function conv(A, K) computes one on a matrix (:help functions).",
              run: ["input 32x32x3", "conv 16 5x5", "conv 32 3x3 stride=2 pad=same relu"]),
        Entry(names: ["conv1d"], syntax: "conv1d FILTROS K [stride=1] [pad=0|same] [dilation=1] [groups=1]",
              es: "Convolución sobre secuencias (texto): la ventana de K posiciones recorre la longitud; parámetros (K·c + 1)·filtros.",
              en: "Convolution over sequences (text): a window of K positions slides along the length; parameters (K·c + 1)·filters.",
              run: ["input 200x32", "conv1d 64 5"]),
        Entry(names: ["depthwise", "dwconv"], syntax: "depthwise KxK [stride=1] [pad=0|same]",
              es: "Convolución en profundidad (MobileNet): un filtro por canal, groups = canales; parámetros (f·f + 1)·c. Seguida de una conv 1x1 forma un bloque separable.",
              en: "Depthwise convolution (MobileNet): one filter per channel, groups = channels; parameters (f·f + 1)·c. Followed by a 1x1 conv it makes a separable block.",
              run: ["input 56x56x32", "depthwise 3x3 pad=same", "conv 64 1x1"]),
        Entry(names: ["maxpool", "maxpool2d", "maxpooling"], syntax: "maxpool K [stride=K] [pad=0] [ceil=yes]",
              es: "Max pooling: el máximo de cada ventana K×K, canal por canal; sin parámetros. El paso es K salvo que se indique otro. El relleno cuenta como −∞ (nunca gana), como PyTorch.",
              en: "Max pooling: the maximum of each K×K window, channel by channel; no parameters. The stride is K unless given. Padding counts as −∞ (it never wins), as in PyTorch.",
              run: ["input 24x24x10", "maxpool 2", "maxpool 3 stride=2"]),
        Entry(names: ["avgpool", "avgpool2d"], syntax: "avgpool K [stride=K] [pad=0] [count_pad=no] [ceil=yes]",
              es: "Average pooling: la media de cada ventana K×K, canal por canal; sin parámetros. El relleno son ceros que cuentan en la media (count_include_pad=True, como PyTorch); con count_pad=no la media divide solo entre los valores de la entrada que cubre la ventana (count_include_pad=False de PyTorch, padding=\"same\" de Keras), y los bordes no se oscurecen.",
              en: "Average pooling: the mean of each K×K window, channel by channel; no parameters. Padding is zeros that count in the mean (count_include_pad=True, as in PyTorch); with count_pad=no the mean divides only by the input values the window covers (PyTorch's count_include_pad=False, Keras' padding=\"same\"), so the borders do not darken.",
              run: ["input 28x28x6", "avgpool 2", "avgpool 3 stride=1 pad=1 count_pad=no"]),
        Entry(names: ["globalavgpool", "gap", "globalaveragepool"], syntax: "globalavgpool",
              es: "Media de cada canal entero: alto×ancho×c → c. Reemplaza flatten + dense grandes (GoogLeNet, ResNet). La salida es [N, C], lista para dense: en PyTorch es AdaptiveAvgPool2d(1) seguido de Flatten (GlobalAveragePooling2D en Keras).",
              en: "The mean of each whole channel: height×width×c → c. It replaces flatten + big dense layers (GoogLeNet, ResNet). The output is [N, C], ready for dense: in PyTorch it is AdaptiveAvgPool2d(1) followed by Flatten (GlobalAveragePooling2D in Keras).",
              run: ["input 7x7x512", "globalavgpool"]),
        Entry(names: ["globalmaxpool"], syntax: "globalmaxpool",
              es: "El máximo de cada canal entero (o de cada canal de una secuencia).",
              en: "The maximum of each whole channel (or of each channel of a sequence).",
              run: ["input 100x64", "globalmaxpool"]),
        Entry(names: ["flatten", "aplanar"], syntax: "flatten",
              es: "Pone alto×ancho×canales en un vector, para las capas densas, en el orden canal, fila, columna (C·H·W, como PyTorch; Keras aplana H·W·C); sin parámetros. Desde aquí la red ya no sabe qué píxeles eran vecinos: cada valor es una entrada más.",
              en: "Lays height×width×channels out as a vector for dense layers, in the order channel, row, column (C·H·W, as PyTorch; Keras flattens H·W·C); no parameters. From here on the network no longer knows which pixels were neighbours: each value is one more input.",
              run: ["input 4x4x50", "flatten"]),
        Entry(names: ["dense", "linear", "fc"], syntax: "dense SALIDAS [bias=no] [relu]",
              es: "Capa densa (totalmente conectada): cada salida mira todas las entradas; parámetros (entradas + 1)·salidas.",
              en: "Dense (fully connected) layer: every output sees every input; parameters (inputs + 1)·outputs.",
              run: ["input 784", "dense 128 relu", "dense 10"]),
        Entry(names: ["relu", "relu6", "leakyrelu", "elu", "sigmoid", "tanh", "activation", "activations", "activación"],
              syntax: "relu | relu6 | leakyrelu [0.01] | elu [1.0] | sigmoid | tanh   (o en línea: conv 32 3x3 relu)",
              es: "Activaciones: se aplican a cada valor por separado, no cambian la forma y no tienen parámetros. relu = max(0, x); relu6 = min(max(0, x), 6); leakyrelu da α·x si x < 0 (α = 0,01 por defecto, como PyTorch); elu da α·(eˣ − 1) si x < 0 (α = 1); sigmoid = 1/(1 + e⁻ˣ) y tanh aplastan a (0, 1) y (−1, 1). Las funciones relu(A), sigmoid(A)… calculan sobre matrices.",
              en: "Activations: applied to every value on its own; they do not change the shape and have no parameters. relu = max(0, x); relu6 = min(max(0, x), 6); leakyrelu gives α·x when x < 0 (α = 0.01 by default, as PyTorch); elu gives α·(eˣ − 1) when x < 0 (α = 1); sigmoid = 1/(1 + e⁻ˣ) and tanh squash to (0, 1) and (−1, 1). The functions relu(A), sigmoid(A)… compute on matrices.",
              run: ["input 8x8x4", "relu", "relu([-2, 0, 3])"]),
        Entry(names: ["softmax", "logsoftmax"], syntax: "softmax | logsoftmax",
              es: "Convierte los logits en probabilidades que suman 1: eᶻⁱ / Σ eᶻʲ, sobre el eje de las clases (dim=1 de [N, C] en PyTorch, el último eje en Keras); se resta el máximo antes para no desbordar. Sobre una imagen normaliza los canales en cada píxel, como nn.Softmax(dim=1) de PyTorch y como Keras (canales al final). logsoftmax da zᵢ − ln Σ eᶻʲ. La función softmax(z) calcula sobre un vector, o sobre cada fila de una matriz.",
              en: "Turns logits into probabilities that add up to 1: eᶻⁱ / Σ eᶻʲ, across the class axis (dim=1 of [N, C] in PyTorch, the last axis in Keras); the maximum is subtracted first so nothing overflows. On an image it normalises the channels at each pixel, as PyTorch's nn.Softmax(dim=1) and as Keras (channels last). logsoftmax gives zᵢ − ln Σ eᶻʲ. The function softmax(z) computes it on a vector, or on each row of a matrix.",
              run: ["input 10", "softmax", "softmax([3.2, 5.1, -1.7])", ":new image", "input 24x24x10", "softmax"]),
        Entry(names: ["maxout"], syntax: "maxout PIEZAS",
              es: "Maxout: el máximo de cada grupo de PIEZAS canales; los canales se dividen por PIEZAS.",
              en: "Maxout: the maximum of each group of PIECES channels; the channels are divided by PIECES.",
              run: ["input 256", "maxout 4"]),
        Entry(names: ["batchnorm", "bn", "batchnorm2d"], syntax: "batchnorm",
              es: "Normalización por lotes: normaliza cada canal con la media y la varianza del lote al entrenar (y con las medias móviles al evaluar), luego escala y desplaza. 2·c parámetros entrenables (γ, β) y 2·c no entrenables (media y varianza móviles).",
              en: "Batch normalization: normalizes each channel with the batch's mean and variance in training (running averages in evaluation), then scales and shifts. 2·c trainable parameters (γ, β) and 2·c non-trainable (running mean and variance).",
              run: ["input 28x28x32", "batchnorm"]),
        Entry(names: ["dropout"], syntax: "dropout P",
              es: "Dropout invertido: al entrenar pone a cero cada valor con probabilidad P y multiplica el resto por 1/(1 − P); al evaluar no hace nada. Sin parámetros.",
              en: "Inverted dropout: in training zeroes each value with probability P and multiplies the rest by 1/(1 − P); in evaluation it does nothing. No parameters.",
              run: ["input 128", "dropout 0.5"]),
        Entry(names: ["embedding"], syntax: "embedding VOCABULARIO DIMENSIÓN",
              es: "Una tabla de VOCABULARIO vectores de DIMENSIÓN valores: cada identificador de token da su vector; parámetros VOCABULARIO·DIMENSIÓN.",
              en: "A table of VOCABULARY vectors of DIMENSION values: each token id gives its vector; parameters VOCABULARY·DIMENSION.",
              run: ["input 200", "embedding 10000 32"]),
        Entry(names: ["rnn", "simplernn", "lstm", "recurrent", "recurrentes"], syntax: "rnn UNIDADES | lstm UNIDADES [sequences=yes] [bias=pytorch]",
              es: "Capas recurrentes (nn.RNN con tanh y nn.LSTM de PyTorch, que capas entrena): SimpleRNN (u·(u + c + 1)) y LSTM (4·u·(u + c + 1)), como Keras; bias=pytorch cuenta los dos sesgos de PyTorch.",
              en: "Recurrent layers (PyTorch's nn.RNN with tanh and nn.LSTM, which capas trains): SimpleRNN (u·(u + c + 1)) and LSTM (4·u·(u + c + 1)), as in Keras; bias=pytorch counts PyTorch's two biases.",
              run: ["input 100x32", "lstm 64"]),
        Entry(names: ["residual", "shortcut", "resnet"], syntax: "residual { CAPAS } [shortcut { CAPAS }]",
              es: "Un bloque residual (ResNet): la salida es la suma de las capas del bloque y del atajo (la entrada misma si no se da shortcut). Las dos ramas deben terminar con la misma forma.",
              en: "A residual block (ResNet): the output is the sum of the block's layers and the shortcut (the input itself when no shortcut is given). Both branches must end in the same shape.",
              run: ["input 56x56x64", "residual { conv 64 3x3 pad=same relu; conv 64 3x3 pad=same }", "relu"]),
        Entry(names: ["concat", "branch", "inception"], syntax: "concat { branch { CAPAS } branch { CAPAS } … }",
              es: "Ramas en paralelo cuyas salidas se concatenan por canales (un módulo Inception). Todas deben dar el mismo alto y ancho.",
              en: "Branches in parallel whose outputs are concatenated along the channels (an Inception module). All must give the same height and width.",
              run: ["input 28x28x192", "concat { branch { conv 64 1x1 } branch { conv 128 3x3 pad=same } branch { maxpool 3 stride=1 pad=1 } }"]),
    ]

    // MARK: commands

    static let commandEntries: [Entry] = [
        Entry(names: [":init", "init", ":inicia"], syntax: ":init ARCHIVO.safetensors",
              es: "Aprendizaje por transferencia: carga en el modelo actual los pesos de un checkpoint (de capas train --out o un state_dict guardado por PyTorch con los mismos nombres), capa por capa donde nombre y forma coinciden. Dice qué se cargó, qué capas son nuevas y qué no encaja, con la forma en el modelo y en el archivo. El próximo :train sigue desde esos pesos.",
              en: "Transfer learning: loads into the current model the weights of a checkpoint (from capas train --out, or a state_dict saved by PyTorch with the same names), layer by layer where name and shape match. It says what was loaded, which layers are new and what does not fit, with the shape in the model and in the file. The next :train continues from those weights.",
              show: [":init runs/base/model.safetensors"]),
        Entry(names: [":freeze", "freeze", ":congela", ":unfreeze", "unfreeze", ":descongela"], syntax: ":freeze 0-3 | :unfreeze [0-3]",
              es: "Congela capas por número (la columna # que muestra :freeze sin argumento): el próximo :train no calcula sus gradientes de pesos ni las actualiza, y una batchnorm congelada normaliza con sus medias y varianzas móviles (como trainable=False en Keras; en PyTorch, .eval() sobre esas capas). El resumen separa parámetros entrenables y congelados, como torchinfo y Keras. :unfreeze descongela todas o las indicadas.",
              en: "Freezes layers by number (the # column that :freeze shows without an argument): the next :train computes no weight gradients for them and leaves them as they are, and a frozen batchnorm normalises with its running means and variances (as Keras' trainable=False; in PyTorch, .eval() on those layers). The summary counts trainable and frozen parameters apart, as torchinfo and Keras do. :unfreeze unfreezes all of them, or the ones given.",
              show: [":freeze 0-5", ":unfreeze"]),
        Entry(names: [":replace-head", "replace-head", ":cabeza"], syntax: ":replace-head CAPAS",
              es: "Reemplaza la cabeza del modelo: quita la última capa con pesos (y lo que la sigue, como softmax) y agrega las capas dadas, por ejemplo para otro número de clases. Las capas que quedan conservan sus pesos (y si estaban congeladas, siguen congeladas).",
              en: "Replaces the model's head: drops the last layer with weights (and what follows it, like softmax) and adds the given layers, for instance for another number of classes. The layers kept keep their weights (and stay frozen if they were).",
              show: [":replace-head dense 5"]),
        Entry(names: [":sample", "sample", ":genera", "genera"], syntax: ":sample N [temperatura=0.8] [inicio=\"texto\"] [semilla=S]",
              es: "Escribe N caracteres (hasta 10000) con el modelo de lenguaje actual, entrenado con :train datos=ARCHIVO.txt (por ejemplo :preset char-lstm): cada carácter se elige al azar según softmax(logits / temperatura) del último paso. Una temperatura baja da texto prudente y repetitivo; una alta, variado y loco. inicio= es el texto del que parte (solo caracteres del texto de entrenamiento); la semilla repite una elección. También en inglés: temperature=, start=, seed=.",
              en: "Writes N characters (up to 10000) with the current language model, trained with :train data=FILE.txt (for example :preset char-lstm): each character is drawn from softmax(logits / temperature) of the last step. A low temperature gives safe, repetitive text; a high one, varied and wild. start= is the text it begins from (only characters of the training text); the seed repeats a draw. In Spanish too: temperatura=, inicio=, semilla=.",
              show: [":preset char-lstm", ":train data=/usr/share/games/fortunes/es/refranes.fortunes epochs=5 clip=5", ":sample 300 temperature=0.8 start=\"El que\""]),
        Entry(names: [":summary", "summary", ":resumen", "resumen"], syntax: ":summary [batch=N]",
              es: "La tabla del modelo: cada capa con su forma de salida, parámetros y multiplicaciones-sumas; los totales entrenables y no entrenables y la memoria de parámetros y activaciones para un lote de N.",
              en: "The model as a table: each layer with its output shape, parameters and multiply-adds; trainable and non-trainable totals and the memory of parameters and activations for a batch of N.",
              show: [":summary", ":summary batch=64"]),
        Entry(names: [":explain", "explain", ":explica", "explica"], syntax: ":explain N",
              es: "Todas las cuentas de la capa [N]: forma, fórmula del tamaño, parámetros y multiplicaciones-sumas con sus números.",
              en: "All the computations of layer [N]: shape, the size formula, parameters and multiply-adds with its numbers.",
              show: [":explain 0"]),
        Entry(names: [":model", "model", ":modelo", "modelo"], syntax: ":model",
              es: "El texto del modelo actual, tal como se guardaría en un archivo .capas.",
              en: "The current model's text, as it would be saved to a .capas file.", show: [":model"]),
        Entry(names: [":undo", "undo", ":deshacer"], syntax: ":undo",
              es: "Quita la última capa del modelo.", en: "Removes the model's last layer.", show: [":undo"]),
        Entry(names: [":reset", "reset"], syntax: ":reset",
              es: "Vacía el modelo actual.", en: "Empties the current model.", show: [":reset"]),
        Entry(names: [":new", "new", ":nuevo"], syntax: ":new NOMBRE",
              es: "Empieza un modelo nuevo con ese nombre y lo hace el actual.",
              en: "Starts a new model with that name and makes it the current one.", show: [":new cnn"]),
        Entry(names: [":use", "use", ":usa"], syntax: ":use NOMBRE",
              es: "Vuelve a un modelo con nombre.", en: "Switches to a named model.", show: [":use fnn"]),
        Entry(names: [":models", "models", ":modelos"], syntax: ":models",
              es: "Los modelos de la sesión con sus parámetros.", en: "The session's models with their parameters.", show: [":models"]),
        Entry(names: [":compare", "compare", ":compara"], syntax: ":compare A B",
              es: "Dos modelos lado a lado: parámetros, multiplicaciones-sumas y, si se entrenaron, exactitud en prueba.",
              en: "Two models side by side: parameters, multiply-adds and, where trained, test accuracy.", show: [":compare fnn cnn"]),
        Entry(names: [":presets", "presets", ":preset", "preset"], syntax: ":presets | :preset NOMBRE",
              es: "Los modelos predefinidos (LeNet-5, AlexNet, VGG-16, GoogLeNet, ResNet-18, MobileNetV2, los del curso…) y cargar uno como modelo actual.",
              en: "The predefined models (LeNet-5, AlexNet, VGG-16, GoogLeNet, ResNet-18, MobileNetV2, the course's…) and loading one as the current model.",
              show: [":presets", ":preset lenet5"]),
        Entry(names: [":step", "step", ":paso"], syntax: ":step conv(A, K) [at F C] | :step maxpool(A, 2)",
              es: "Cómo se calcula un elemento de la salida: la ventana por el núcleo, término a término, como en las diapositivas.",
              en: "How one output element is computed: the window times the kernel, term by term, as in the slides.",
              run: ["A = [[1,1,1,0,0],[0,1,1,1,0],[0,0,1,1,1],[0,0,1,1,0],[0,1,1,0,0]]", ":step conv(A, [[1,0,1],[0,1,0],[1,0,1]])"]),
        Entry(names: [":vars", "vars", "variables"], syntax: ":vars",
              es: "Las variables de la sesión y sus formas.", en: "The session's variables and their shapes.", show: [":vars"]),
        Entry(names: [":load", "load", ":carga"], syntax: ":load ARCHIVO.capas | ARCHIVO.md | ARCHIVO.ipynb",
              es: "Carga un modelo (.capas) como modelo actual, o ejecuta las celdas de un cuaderno (.md o .ipynb de Jupyter) en la sesión.",
              en: "Loads a model (.capas) as the current model, or runs a notebook's cells (.md, or a Jupyter .ipynb) in the session.",
              show: [":load lenet.capas", ":load notebook.md"]),
        Entry(names: [":save", "save", ":guarda"], syntax: ":save ARCHIVO.capas | ARCHIVO.md | ARCHIVO.ipynb",
              es: "Guarda el modelo actual (.capas) o toda la sesión como cuaderno (.md, o .ipynb para Jupyter), que capas run vuelve a ejecutar.",
              en: "Saves the current model (.capas) or the whole session as a notebook (.md, or .ipynb for Jupyter) that capas run executes again.",
              show: [":save lenet.capas", ":save sesion.md"]),
        Entry(names: [":lang", "lang", ":idioma", "idioma"], syntax: ":lang es|en",
              es: "Cambia el idioma de los mensajes (también LANG o --lang al empezar).",
              en: "Switches the language of messages (LANG or --lang at start-up, too).", show: [":lang es"]),
        Entry(names: [":quit", "quit", ":salir", "salir", ":exit", "exit"], syntax: ":quit | exit | quit()",
              es: "Sale (también Ctrl-D en una línea vacía).", en: "Exits (Ctrl-D on an empty line, too).", show: [":quit"]),
        Entry(names: [":history", "history", ":historial", "historial", "%history"], syntax: ":history",
              es: "Las entradas de la sesión numeradas, con las que dieron error (también %history).",
              en: "The session's entries, numbered, those that failed included (%history, too).",
              run: ["A = [[1, 2], [3, 4]]", "relu(A - 2)", ":history"]),
        Entry(names: [":time", "time", ":tiempo", "tiempo", "%time"], syntax: ":time ENTRADA",
              es: "Ejecuta la entrada y dice cuánto tardó en reloj de pared (también %time, como IPython).",
              en: "Runs the entry and says how long it took, wall-clock time (%time, too, as in IPython).",
              show: [":time conv(A, K)", "%time :train epochs=1"]),
        Entry(names: ["_", "ans", "last", "último"], syntax: "_ | ans",
              es: "El valor del último cálculo, como en IPython (_) y Julia o MATLAB (ans). Una variable propia llamada así tiene prioridad.",
              en: "The value of the last calculation, as in IPython (_) and Julia or MATLAB (ans). Your own variable of that name wins.",
              run: ["outsize(n=28, f=5)", "ans / 2"]),
    ]

    // MARK: formulas

    static let formulaEntries: [Entry] = [
        Entry(names: ["outsize", "output size", "tamaño", "size", "padding", "stride", "relleno", "paso", "same"],
              syntax: "⌊(n + 2p − f)/s⌋ + 1",
              es: "Tamaño de salida de una convolución o un pooling por eje: n entrada, p relleno, f núcleo, s paso. Se redondea hacia abajo: una ventana incompleta no cuenta. pad=same con s = 1 rellena f − 1 en total, (f − 1)/2 a cada lado si f es impar (uno más al final si f es par, como PyTorch y Keras), y conserva el tamaño.",
              en: "Output size of a convolution or a pooling along one axis: n input, p padding, f kernel, s stride. It is floored: a partial window does not count. pad=same with s = 1 pads f − 1 in all, (f − 1)/2 on each side when f is odd (one more at the end when f is even, as PyTorch and Keras), and keeps the size.",
              run: ["outsize(n=28, f=5, p=0, s=1)", "outsize(n=32, f=3, p=1, s=2)"]),
        Entry(names: ["params", "parameters", "parámetros", "parametros"],
              syntax: "conv (f·f·c + 1)·k     dense (entradas + 1)·salidas",
              es: "Parámetros de una convolución: k filtros de f·f·c pesos más un sesgo cada uno. De una capa densa: un peso por entrada y un sesgo por salida. Pooling, flatten y las activaciones no tienen.",
              en: "Parameters of a convolution: k filters of f·f·c weights plus one bias each. Of a dense layer: a weight per input and a bias per output. Pooling, flatten and activations have none.",
              run: ["params(f=5, c=3, k=16)", "params(inputs=320, outputs=50)"]),
        Entry(names: ["crossentropy", "cross-entropy", "entropía cruzada", "entropia", "loss", "pérdida"],
              syntax: "−ln p[clase verdadera]",
              es: "Entropía cruzada con logaritmo natural, como PyTorch y Keras; la media sobre el lote. Con 10 clases y pesos nuevos empieza cerca de ln 10 ≈ 2,303. Una diapositiva muestra 0,89 porque usa log10.",
              en: "Cross-entropy with the natural log, as in PyTorch and Keras; the mean over the batch. With 10 classes and fresh weights it starts near ln 10 ≈ 2.303. One slide shows 0.89 because it uses log10.",
              run: ["crossentropy(softmax([3.2, 5.1, -1.7]), 0)"]),
    ]

    /// The entry `key` names (without a leading colon), if any.
    static func entry(_ key: String) -> Entry? {
        entries.first { $0.names.contains { $0.trimmingCharacters(in: CharacterSet(charactersIn: ":")) == key } }
    }

    /// The placeholders of a syntax line in English.
    static func english(_ syntax: String) -> String {
        let words = [("ALTOxANCHOxCANALES", "HEIGHTxWIDTHxCHANNELS"), ("FILTROS", "FILTERS"), ("PIEZAS", "PIECES"),
                     ("SALIDAS", "OUTPUTS"), ("VOCABULARIO", "VOCABULARY"), ("DIMENSIÓN", "DIMENSION"),
                     ("UNIDADES", "UNITS"), ("CAPAS", "LAYERS"), ("ENTRADA", "ENTRY"), ("NOMBRE", "NAME"), ("temperatura=", "temperature="), ("inicio=\"texto\"", "start=\"text\""), ("semilla=", "seed="), ("ARCHIVO", "FILE"),
                     ("at F C", "at R C"), ("(o en línea:", "(or inline:"), ("(entradas + 1)·salidas", "(inputs + 1)·outputs"),
                     ("clase verdadera", "true class")]
        return words.reduce(syntax) { $0.replacingOccurrences(of: $1.0, with: $1.1) }
    }

    /// The help of one entry, with its examples (run ones with their replies).
    static func render(_ entry: Entry, language L: Language, run: (String) -> Reply) -> String {
        let syntax = L == .es ? entry.syntax : english(entry.syntax)
        var lines = [syntax, L.pick(es: entry.es, en: entry.en)]
        if !entry.run.isEmpty || !entry.show.isEmpty {
            lines.append(L.pick(es: "Ejemplo:", en: "Example:"))
        }
        for example in entry.show { lines.append("  capas> " + example) }
        for example in entry.run {
            lines.append("  capas> " + example)
            let reply = run(example).text
            for line in reply.split(separator: "\n", omittingEmptySubsequences: false) where !line.isEmpty {
                lines.append("  " + line)
            }
        }
        return lines.joined(separator: "\n")
    }
}
