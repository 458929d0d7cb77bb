"""The model: a decoder-only transformer (``gpt``), the character tokenizer (``tokenizer``)
and checkpoints as safetensors + JSON (``checkpoint``). Library only, no command line."""
