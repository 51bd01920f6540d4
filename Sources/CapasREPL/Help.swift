import CapasMessages

// :help and :help TOPIC, in Spanish and English.

enum Help {
    struct Topic {
        let names: [String]
        let es: String
        let en: String
    }

    static let topics: [Topic] = [
        Topic(names: ["", "ayuda", "help"], es: """
        capas: escribe capas, cálculos o comandos.
          input 28x28x1          la entrada (alto×ancho×canales)
          conv 10 5x5            una capa: capas responde con la forma, los parámetros y las fórmulas
          A = [[1,2],[3,4]]      una variable; conv(A, K), maxpool(A, 2), softmax(z)… calculan
          :help layers           las capas      :help functions   las funciones
          :help commands         los comandos   :help formulas    las fórmulas del curso
        Ctrl-C cancela la línea, Ctrl-D (o :quit, exit, quit()) sale, Tab completa, ↑ y Ctrl-R recuperan líneas anteriores.
        Como en IPython y Julia: help conv, conv? y ?conv muestran la ayuda; _ y ans son el último resultado.
        """, en: """
        capas: type layers, calculations or commands.
          input 28x28x1          the input (height×width×channels)
          conv 10 5x5            a layer: capas answers with its shape, parameters and formulas
          A = [[1,2],[3,4]]      a variable; conv(A, K), maxpool(A, 2), softmax(z)… compute
          :help layers           the layers     :help functions   the functions
          :help commands         the commands   :help formulas    the course's formulas
        Ctrl-C cancels the line, Ctrl-D (or :quit, exit, quit()) exits, Tab completes, ↑ and Ctrl-R recall earlier lines.
        As in IPython and Julia: help conv, conv? and ?conv show the help; _ and ans are the last result.
        """),
        Topic(names: ["commands", "comandos"], es: """
          :summary [batch=N]   tabla del modelo: formas, parámetros, multiplicaciones-sumas, memoria
          :explain N           las cuentas completas de la capa [N]
          :model               el texto del modelo      :undo   quita la última capa    :reset   vacía el modelo
          :new NOMBRE          un modelo nuevo          :use NOMBRE   cambia de modelo  :models  los modelos
          :compare A B         compara modelos          :presets / :preset NOMBRE   modelos predefinidos
          :step conv(A, K) [at F C]   cómo se calcula un elemento de la salida
          :show fashion-mnist prueba 0   dibuja una imagen del conjunto de datos (:help show)
          :show EXPRESIÓN      dibuja una matriz o un mapa de características, p. ej. :show conv(img, K)
          :train [épocas=1 …]  entrena el modelo con FashionMNIST o CIFAR-10 (:help train)
          :filters N [K]       los filtros que aprendió la capa conv [N] (también :filtros)
          :network [fashion-mnist prueba 0] [ARCHIVO.png]   cada capa con una imagen: activaciones, gradientes, pesos (también :red)
          :plot [ARCHIVO.svg|.png]   muestra las curvas del último :train, o las guarda (también :grafica)
          :sample N [temperatura=0.8]   escribe con el modelo de lenguaje entrenado (también :genera)
          :vars                las variables            :lang es|en   idioma
          :history             las entradas de la sesión   :time ENTRADA   la ejecuta y dice cuánto tardó
          :load ARCHIVO        carga un modelo (.capas) o ejecuta un cuaderno (.md)
          :save ARCHIVO        guarda el modelo (.capas) o la sesión como cuaderno (.md)
          :quit                sale
        """, en: """
          :summary [batch=N]   the model as a table: shapes, parameters, multiply-adds, memory
          :explain N           the full computations of layer [N]
          :model               the model's text         :undo   removes the last layer   :reset   empties the model
          :new NAME            a new model              :use NAME   switches model      :models  the models
          :compare A B         compares models          :presets / :preset NAME   predefined models
          :step conv(A, K) [at R C]   how one output element is computed
          :show fashion-mnist test 0   draws a dataset image (:help show)
          :show EXPRESSION     draws a matrix or a feature map, e.g. :show conv(img, K)
          :train [epochs=1 …]  trains the model on FashionMNIST or CIFAR-10 (:help train)
          :filters N [K]       the filters conv layer [N] learned
          :network [fashion-mnist test 0] [FILE.png]   every layer for one image: activations, gradients, weights
          :plot [FILE.svg|.png]   shows the curves of the last :train, or saves them
          :sample N [temperature=0.8]   writes with the trained language model
          :vars                the variables            :lang es|en   language
          :history             the session's entries    :time ENTRY   runs it and says how long it took
          :load FILE           loads a model (.capas) or runs a notebook (.md)
          :save FILE           saves the model (.capas) or the session as a notebook (.md)
          :quit                exits
        """),
        Topic(names: ["layers", "capas"], es: """
          input 28x28x1                     entrada alto×ancho×canales (o input 784)
          conv 10 5x5 [stride=1] [pad=0|same|valid] [groups=1] [dilation=1] [bias=no] [relu]
          conv1d 16 3                       convolución sobre secuencias
          depthwise 3x3                     convolución por canal (groups = canales)
          maxpool 2 [stride=2] [pad=0]      avgpool 2       globalavgpool
          flatten                           dense 50 [relu]
          relu  leakyrelu  elu  sigmoid  tanh  softmax  logsoftmax  maxout 2
          batchnorm   dropout 0.5
          relu6   globalmaxpool   maxpool 3 stride=2 ceil=yes (redondea hacia arriba, como GoogLeNet)
          embedding 10000 32                identificadores de token (input 200) → secuencia 200x32
          rnn 32   lstm 32 [sequences=yes] [bias=pytorch]   recurrentes (PyTorch)
          residual { … } shortcut { … }     concat { branch { … } branch { … } }
        """, en: """
          input 28x28x1                     input height×width×channels (or input 784)
          conv 10 5x5 [stride=1] [pad=0|same|valid] [groups=1] [dilation=1] [bias=no] [relu]
          conv1d 16 3                       convolution over sequences
          depthwise 3x3                     one filter per channel (groups = channels)
          maxpool 2 [stride=2] [pad=0]      avgpool 2       globalavgpool
          flatten                           dense 50 [relu]
          relu  leakyrelu  elu  sigmoid  tanh  softmax  logsoftmax  maxout 2
          batchnorm   dropout 0.5
          relu6   globalmaxpool   maxpool 3 stride=2 ceil=yes (rounds up, as in GoogLeNet)
          embedding 10000 32                token ids (input 200) → a 200x32 sequence
          rnn 32   lstm 32 [sequences=yes] [bias=pytorch]   recurrent (PyTorch)
          residual { … } shortcut { … }     concat { branch { … } branch { … } }
        """),
        Topic(names: ["functions", "funciones", "function", "función"], es: """
          conv(A, K, stride=1, pad=0, bias=0)   A: H×W o C×H×W; K: f×f, C×f×f o N×C×f×f
          maxpool(A, 2, stride=2, pad=0)        avgpool(A, 2)
          relu(A)  sigmoid(A)  tanh(A)  leakyrelu(A, slope=0.01)  elu(A, alpha=1)
          softmax(z)                            sobre el último eje
          crossentropy(p, clase)                −ln p[clase] (clases desde 0; también muestra log10)
          outsize(n=28, f=5, p=0, s=1)          params(f=5, c=3, k=16)   params(inputs=320, outputs=50)
          sum max min mean exp ln log10 sqrt abs transpose shape
          image(fashion-mnist, prueba, 0)      una imagen del conjunto de datos, valores de 0 a 1 (:help show)
        Ejemplo: A = [[1,1,1,0,0],[0,1,1,1,0],[0,0,1,1,1],[0,0,1,1,0],[0,1,1,0,0]]
                 K = [[1,0,1],[0,1,0],[1,0,1]]
                 conv(A, K)      y     :step conv(A, K)
        """, en: """
          conv(A, K, stride=1, pad=0, bias=0)   A: H×W or C×H×W; K: f×f, C×f×f or N×C×f×f
          maxpool(A, 2, stride=2, pad=0)        avgpool(A, 2)
          relu(A)  sigmoid(A)  tanh(A)  leakyrelu(A, slope=0.01)  elu(A, alpha=1)
          softmax(z)                            over the last axis
          crossentropy(p, label)                −ln p[label] (labels from 0; also shows log10)
          outsize(n=28, f=5, p=0, s=1)          params(f=5, c=3, k=16)   params(inputs=320, outputs=50)
          sum max min mean exp ln log10 sqrt abs transpose shape
          image(fashion-mnist, test, 0)        a dataset image, values from 0 to 1 (:help show)
        Example: A = [[1,1,1,0,0],[0,1,1,1,0],[0,0,1,1,1],[0,0,1,1,0],[0,1,1,0,0]]
                 K = [[1,0,1],[0,1,0],[1,0,1]]
                 conv(A, K)      and     :step conv(A, K)
        """),
        Topic(names: ["show", "muestra", "images", "imágenes", "image", "imagen"], es: """
          :show fashion-mnist prueba 0       una imagen de FashionMNIST y su clase (también :muestra)
          :show cifar10 entrenamiento 12     una imagen de CIFAR-10, en color
          img = image(fashion-mnist, prueba, 0)   la imagen como valor (alto×ancho; C×alto×ancho en color), píxeles/255
          :show img      :show conv(img, K)       una matriz o un tensor C×H×W, un plano por canal
        Los conjuntos: fashion-mnist (o fashion) y cifar10; las particiones: entrenamiento (train) y prueba (test).
        Se buscan donde los busca `capas data` (CAPAS_DATA, ~/.cache/capas, /usr/share/datasets);
        `capas data fetch fashion-mnist` los descarga.
        Un mapa de características va de su valor más bajo (negro) al más alto (blanco): capas dice cuáles son.
        En una terminal cada carácter ▀ muestra dos píxeles en color de 24 bits; sin terminal, con NO_COLOR
        o con TERM=dumb cada píxel son dos caracteres de " .:-=+*#%@", de oscuro a claro.
        """, en: """
          :show fashion-mnist test 0         a FashionMNIST image and its class
          :show cifar10 train 12             a CIFAR-10 image, in colour
          img = image(fashion-mnist, test, 0)     the image as a value (height×width; C×height×width in colour), pixels/255
          :show img      :show conv(img, K)       a matrix or a C×H×W tensor, one plane per channel
        Datasets: fashion-mnist (or fashion) and cifar10; splits: train and test.
        They are looked for where `capas data` looks (CAPAS_DATA, ~/.cache/capas, /usr/share/datasets);
        `capas data fetch fashion-mnist` downloads them.
        A feature map goes from its lowest value (black) to its highest (white): capas says which they are.
        On a terminal each ▀ character shows two pixels in 24-bit colour; off a terminal, with NO_COLOR
        or with TERM=dumb each pixel is two characters from " .:-=+*#%@", dark to bright.
        """),
        Topic(names: ["train", "entrena", "entrenar", "training", "filters", "filtros", "plot", "grafica", "network", "red", "text", "texto"], es: """
          :train                      una época con FashionMNIST (entrada 28x28x1) o CIFAR-10 (32x32x3)
          :train épocas=5 lote=64 optimizador=adam lr=0.001 semilla=0 datos=fashion-mnist límite=2000 aumento=sí
              también en inglés: epochs= batch= optimizer= lr= seed= data= limit= augment= weight-decay=
              (como capas train; optimizador sgd, momentum, adam o adadelta; datos también una carpeta)
          :train datos=ARCHIVO.txt épocas=5 recorte=5   un modelo de lenguaje por caracteres (:preset char-lstm) con
              un texto UTF-8; recorte= limita la norma del gradiente (clip=)
          :sample 300 temperatura=0.8 inicio="El que"   escribe con él (también :genera; :help sample)
          :filters N [K]              los filtros de la capa conv [N] (o solo el K), gris = 0
          :network fashion-mnist prueba 0 [red.png]   una imagen por toda la red, como la vista de red de ConvNetJS:
              por capa su tamaño, activaciones y gradientes (mínimo y máximo, un recuadro por canal), pesos,
              parámetros con su fórmula, y las 3 clases más probables (modo evaluación, como model.eval() de PyTorch)
          :plot curva.svg  :plot curva.png   las curvas del último :train en un archivo (SVG o PNG, 800×600);
              :plot solo las muestra aquí (en un cuaderno, una figura SVG y PNG)
        En una terminal se ve una barra de progreso y una línea por época; Ctrl-C detiene el entrenamiento
        después del paso en curso y conserva los pesos. Al final se dibujan las curvas de pérdida y exactitud.
        Los pesos quedan con el modelo mientras su texto no cambie: otro :train sigue desde ellos,
        :compare muestra su exactitud en prueba y :filters N sus filtros.
        """, en: """
          :train                      one epoch on FashionMNIST (input 28x28x1) or CIFAR-10 (32x32x3)
          :train epochs=5 batch=64 optimizer=adam lr=0.001 seed=0 data=fashion-mnist limit=2000 augment=yes
              (as capas train; optimizer sgd, momentum, adam or adadelta; data may be a folder; weight-decay=)
          :train data=FILE.txt epochs=5 clip=5   a character-level language model (:preset char-lstm) on a UTF-8
              text; clip= bounds the gradient norm
          :sample 300 temperature=0.8 start="The"   writes with it (:help sample)
          :filters N [K]              the filters of conv layer [N] (or only filter K), grey = 0
          :network fashion-mnist test 0 [net.png]   one image through the whole network, as ConvNetJS's network view:
              per layer its size, activations and gradients (minimum and maximum, one tile per channel), weights,
              parameters with their formula, and the 3 most likely classes (evaluation mode, as PyTorch's model.eval())
          :plot curve.svg  :plot curve.png   the curves of the last :train in a file (SVG or PNG, 800×600);
              :plot alone shows them here (in a notebook, an SVG and PNG figure)
        On a terminal a progress bar is redrawn and each epoch prints a line; Ctrl-C stops training after
        the current step and keeps the weights. Afterwards the loss and accuracy curves are drawn.
        The weights stay with the model while its text does not change: another :train continues from them,
        :compare shows their test accuracy and :filters N their filters.
        """),
        Topic(names: ["formulas", "fórmulas", "formula", "fórmula"], es: """
          tamaño de salida    ⌊(n + 2p − f)/s⌋ + 1      (hacia abajo: una ventana incompleta no cuenta)
          "same"              p = (f − 1)/2 con s = 1: la salida mide lo mismo que la entrada
          parámetros conv     (f·f·c + 1)·k              f núcleo, c canales de entrada, k filtros
          parámetros dense    (entradas + 1)·salidas
          pooling, flatten    sin parámetros
          batchnorm           2·c entrenables (γ, β) y 2·c no entrenables (media y varianza móviles)
          softmax             eᶻⁱ / Σ eᶻʲ (se resta el máximo antes: e¹⁰⁰⁰ desborda)
          entropía cruzada    −ln p[clase verdadera]
        """, en: """
          output size         ⌊(n + 2p − f)/s⌋ + 1      (floored: a partial window does not count)
          "same"              p = (f − 1)/2 with s = 1: the output is as large as the input
          conv parameters     (f·f·c + 1)·k              f kernel, c input channels, k filters
          dense parameters    (inputs + 1)·outputs
          pooling, flatten    no parameters
          batchnorm           2·c trainable (γ, β) and 2·c non-trainable (running mean and variance)
          softmax             eᶻⁱ / Σ eᶻʲ (the maximum is subtracted first: e¹⁰⁰⁰ overflows)
          cross-entropy       −ln p[true class]
        """),
    ]

    /// `:help TOPIC`: a group (layers, commands, functions, formulas, show,
    /// train) or one layer, command or formula with an example; `run`
    /// executes the examples in a fresh session.
    static func text(topic: String, language L: Language, run: (String) -> Reply) -> String {
        let key = topic.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: ": "))
        if let t = topics.first(where: { $0.names.contains(key) }) { return L.pick(es: t.es, en: t.en) }
        if let entry = entry(key) { return render(entry, language: L, run: run) }
        return L.pick(es: "no hay ayuda sobre `\(topic)`; prueba :help layers, :help commands, :help functions, :help formulas, o el nombre de una capa o un comando (:help conv, :help summary)",
                      en: "no help on `\(topic)`; try :help layers, :help commands, :help functions, :help formulas, or the name of a layer or command (:help conv, :help summary)")
    }

    /// Every name :help answers to, for completion.
    static var names: [String] {
        topics.flatMap(\.names).filter { !$0.isEmpty }
            + entries.flatMap { $0.names.map { $0.trimmingCharacters(in: CharacterSet(charactersIn: ":")) } }
    }
}

import Foundation
