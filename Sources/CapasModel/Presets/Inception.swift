// GoogLeNet (Inception v1) as in torchvision, and the 1x1-convolution lesson
// that motivates its Inception blocks.

extension Presets {
    /// torchvision's googlenet (aux_logits=False): 6,624,904 parameters,
    /// 1,498,391,752 multiply-adds (torchinfo).
    public static let googlenet = """
    # GoogLeNet / Inception v1 (Szegedy et al., 2014) as in torchvision, without
    # the two auxiliary classifiers (aux_logits=False; they only help training).
    # Every convolution is torchvision's BasicConv2d: conv without bias, batch
    # norm (eps=0.001) and relu; the 2014 paper had biases and no batch norm.
    # torchvision's third branch uses a 3x3 convolution where the paper has a
    # 5x5 (a known difference kept for compatibility with its weights).
    # The poolings round up (ceil=yes, PyTorch's ceil_mode=True): 112 → 56.
    input 224x224x3

    # stem: 224x224x3 → 28x28x192
    conv 64 7x7 stride=2 pad=3 bias=no; batchnorm eps=0.001; relu    # → 112x112x64
    maxpool 3 stride=2 ceil=yes                # ⌈(112 − 3)/2⌉ + 1 = 56
    conv 64 1x1 bias=no; batchnorm eps=0.001; relu
    conv 192 3x3 pad=1 bias=no; batchnorm eps=0.001; relu
    maxpool 3 stride=2 ceil=yes                # 56 → 28

    # Inception 3a: 28x28x192 → 28x28x256 (64 + 128 + 32 + 32 channels)
    concat {
      branch {   # 1x1
        conv 64 1x1 bias=no; batchnorm eps=0.001; relu
      }
      branch {   # 1x1 reduction to 96, then 3x3
        conv 96 1x1 bias=no; batchnorm eps=0.001; relu
        conv 128 3x3 pad=1 bias=no; batchnorm eps=0.001; relu
      }
      branch {   # 1x1 reduction to 16, then the "5x5" (3x3 in torchvision)
        conv 16 1x1 bias=no; batchnorm eps=0.001; relu
        conv 32 3x3 pad=1 bias=no; batchnorm eps=0.001; relu
      }
      branch {   # 3x3 max pooling, then a 1x1 projection
        maxpool 3 stride=1 pad=1 ceil=yes
        conv 32 1x1 bias=no; batchnorm eps=0.001; relu
      }
    }

    # Inception 3b: 28x28x256 → 28x28x480 (128 + 192 + 96 + 64 channels)
    concat {
      branch {   # 1x1
        conv 128 1x1 bias=no; batchnorm eps=0.001; relu
      }
      branch {   # 1x1 reduction to 128, then 3x3
        conv 128 1x1 bias=no; batchnorm eps=0.001; relu
        conv 192 3x3 pad=1 bias=no; batchnorm eps=0.001; relu
      }
      branch {   # 1x1 reduction to 32, then the "5x5" (3x3 in torchvision)
        conv 32 1x1 bias=no; batchnorm eps=0.001; relu
        conv 96 3x3 pad=1 bias=no; batchnorm eps=0.001; relu
      }
      branch {   # 3x3 max pooling, then a 1x1 projection
        maxpool 3 stride=1 pad=1 ceil=yes
        conv 64 1x1 bias=no; batchnorm eps=0.001; relu
      }
    }

    maxpool 3 stride=2 ceil=yes                # 28x28x480 → 14x14x480

    # Inception 4a: 14x14x480 → 14x14x512 (192 + 208 + 48 + 64 channels)
    concat {
      branch {   # 1x1
        conv 192 1x1 bias=no; batchnorm eps=0.001; relu
      }
      branch {   # 1x1 reduction to 96, then 3x3
        conv 96 1x1 bias=no; batchnorm eps=0.001; relu
        conv 208 3x3 pad=1 bias=no; batchnorm eps=0.001; relu
      }
      branch {   # 1x1 reduction to 16, then the "5x5" (3x3 in torchvision)
        conv 16 1x1 bias=no; batchnorm eps=0.001; relu
        conv 48 3x3 pad=1 bias=no; batchnorm eps=0.001; relu
      }
      branch {   # 3x3 max pooling, then a 1x1 projection
        maxpool 3 stride=1 pad=1 ceil=yes
        conv 64 1x1 bias=no; batchnorm eps=0.001; relu
      }
    }

    # Inception 4b: 14x14x512 → 14x14x512 (160 + 224 + 64 + 64 channels)
    concat {
      branch {   # 1x1
        conv 160 1x1 bias=no; batchnorm eps=0.001; relu
      }
      branch {   # 1x1 reduction to 112, then 3x3
        conv 112 1x1 bias=no; batchnorm eps=0.001; relu
        conv 224 3x3 pad=1 bias=no; batchnorm eps=0.001; relu
      }
      branch {   # 1x1 reduction to 24, then the "5x5" (3x3 in torchvision)
        conv 24 1x1 bias=no; batchnorm eps=0.001; relu
        conv 64 3x3 pad=1 bias=no; batchnorm eps=0.001; relu
      }
      branch {   # 3x3 max pooling, then a 1x1 projection
        maxpool 3 stride=1 pad=1 ceil=yes
        conv 64 1x1 bias=no; batchnorm eps=0.001; relu
      }
    }

    # Inception 4c: 14x14x512 → 14x14x512 (128 + 256 + 64 + 64 channels)
    concat {
      branch {   # 1x1
        conv 128 1x1 bias=no; batchnorm eps=0.001; relu
      }
      branch {   # 1x1 reduction to 128, then 3x3
        conv 128 1x1 bias=no; batchnorm eps=0.001; relu
        conv 256 3x3 pad=1 bias=no; batchnorm eps=0.001; relu
      }
      branch {   # 1x1 reduction to 24, then the "5x5" (3x3 in torchvision)
        conv 24 1x1 bias=no; batchnorm eps=0.001; relu
        conv 64 3x3 pad=1 bias=no; batchnorm eps=0.001; relu
      }
      branch {   # 3x3 max pooling, then a 1x1 projection
        maxpool 3 stride=1 pad=1 ceil=yes
        conv 64 1x1 bias=no; batchnorm eps=0.001; relu
      }
    }

    # Inception 4d: 14x14x512 → 14x14x528 (112 + 288 + 64 + 64 channels)
    concat {
      branch {   # 1x1
        conv 112 1x1 bias=no; batchnorm eps=0.001; relu
      }
      branch {   # 1x1 reduction to 144, then 3x3
        conv 144 1x1 bias=no; batchnorm eps=0.001; relu
        conv 288 3x3 pad=1 bias=no; batchnorm eps=0.001; relu
      }
      branch {   # 1x1 reduction to 32, then the "5x5" (3x3 in torchvision)
        conv 32 1x1 bias=no; batchnorm eps=0.001; relu
        conv 64 3x3 pad=1 bias=no; batchnorm eps=0.001; relu
      }
      branch {   # 3x3 max pooling, then a 1x1 projection
        maxpool 3 stride=1 pad=1 ceil=yes
        conv 64 1x1 bias=no; batchnorm eps=0.001; relu
      }
    }

    # Inception 4e: 14x14x528 → 14x14x832 (256 + 320 + 128 + 128 channels)
    concat {
      branch {   # 1x1
        conv 256 1x1 bias=no; batchnorm eps=0.001; relu
      }
      branch {   # 1x1 reduction to 160, then 3x3
        conv 160 1x1 bias=no; batchnorm eps=0.001; relu
        conv 320 3x3 pad=1 bias=no; batchnorm eps=0.001; relu
      }
      branch {   # 1x1 reduction to 32, then the "5x5" (3x3 in torchvision)
        conv 32 1x1 bias=no; batchnorm eps=0.001; relu
        conv 128 3x3 pad=1 bias=no; batchnorm eps=0.001; relu
      }
      branch {   # 3x3 max pooling, then a 1x1 projection
        maxpool 3 stride=1 pad=1 ceil=yes
        conv 128 1x1 bias=no; batchnorm eps=0.001; relu
      }
    }

    maxpool 2 stride=2 ceil=yes                # 14x14x832 → 7x7x832

    # Inception 5a: 7x7x832 → 7x7x832 (256 + 320 + 128 + 128 channels)
    concat {
      branch {   # 1x1
        conv 256 1x1 bias=no; batchnorm eps=0.001; relu
      }
      branch {   # 1x1 reduction to 160, then 3x3
        conv 160 1x1 bias=no; batchnorm eps=0.001; relu
        conv 320 3x3 pad=1 bias=no; batchnorm eps=0.001; relu
      }
      branch {   # 1x1 reduction to 32, then the "5x5" (3x3 in torchvision)
        conv 32 1x1 bias=no; batchnorm eps=0.001; relu
        conv 128 3x3 pad=1 bias=no; batchnorm eps=0.001; relu
      }
      branch {   # 3x3 max pooling, then a 1x1 projection
        maxpool 3 stride=1 pad=1 ceil=yes
        conv 128 1x1 bias=no; batchnorm eps=0.001; relu
      }
    }

    # Inception 5b: 7x7x832 → 7x7x1024 (384 + 384 + 128 + 128 channels)
    concat {
      branch {   # 1x1
        conv 384 1x1 bias=no; batchnorm eps=0.001; relu
      }
      branch {   # 1x1 reduction to 192, then 3x3
        conv 192 1x1 bias=no; batchnorm eps=0.001; relu
        conv 384 3x3 pad=1 bias=no; batchnorm eps=0.001; relu
      }
      branch {   # 1x1 reduction to 48, then the "5x5" (3x3 in torchvision)
        conv 48 1x1 bias=no; batchnorm eps=0.001; relu
        conv 128 3x3 pad=1 bias=no; batchnorm eps=0.001; relu
      }
      branch {   # 3x3 max pooling, then a 1x1 projection
        maxpool 3 stride=1 pad=1 ceil=yes
        conv 128 1x1 bias=no; batchnorm eps=0.001; relu
      }
    }

    # head: one value per channel, then the classifier
    globalavgpool                              # 7x7x1024 → 1024 (AdaptiveAvgPool2d((1, 1)) and flatten)
    dropout 0.2
    dense 1000

    """

    /// 28x28x192 → 28x28x32 twice: directly with a 5x5 convolution, and with a
    /// 1x1 bottleneck of 16 channels first. 120,447,488 against 12,481,280
    /// multiply-adds.
    public static let oneByOne = """
    # Why Inception puts 1x1 convolutions first (the lesson of the course):
    # the same 28x28x192 input becomes 28x28x32 in two ways, side by side.
    # Compare the mult-adds column of the two branches.
    input 28x28x192
    concat {
      branch {
        # directly: each of the 28·28·32 outputs needs 5·5·192 = 4,800
        # multiplications: 28·28·32·4,800 ≈ 120 million
        conv 32 5x5 pad=2
      }
      branch {
        # bottleneck: first shrink 192 channels to 16 with a 1x1 convolution
        # (28·28·16·192 ≈ 2.4 million), then the 5x5 on 16 channels
        # (28·28·32·5·5·16 ≈ 10 million): about 12.4 million, ten times fewer,
        # and 15,920 parameters instead of 153,632
        conv 16 1x1
        conv 32 5x5 pad=2
      }
    }
    # the two results stacked: 28x28x64

    """
}
