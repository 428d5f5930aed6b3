{
  "targets": [
    {
      "target_name": "effect_zmq",
      "sources": ["native/effect_zmq.c"],
      "include_dirs": ["native/include"],
      "conditions": [["OS=='linux'", { "libraries": ["-ldl", "-lpthread"] }]]
    }
  ]
}
