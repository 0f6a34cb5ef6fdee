// libLibTorchSharp.so (TorchSharp 0.107) is built with GCC 13.2 and asks libstdc++ for one symbol of GLIBCXX_3.4.32,
// std::ios_base_library_init(), which GCC 13 calls to set up the standard streams. Older libstdc++ (Debian 12: GCC
// 12) sets them up in every translation unit that includes <iostream> and lacks the symbol; this shim provides it.
#include <ios>
namespace std { void ios_base_library_init() { static ios_base::Init init; } }
