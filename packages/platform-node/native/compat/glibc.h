/*
 * Force-included (-include) by `pnpm prebuild` in the glibc prebuilt binaries only, never in a source build: binds
 * dlopen & co. to their oldest symbol versions. glibc 2.34 moved them from libdl into libc under a new version, so
 * a binary linked on a newer glibc (Debian 12 has 2.36) would need GLIBC_2.34 and fail to load on the glibc
 * releases Node 22 and 24 still support (2.28: RHEL 8, Debian 11, Ubuntu 20.04). The old versions are still
 * exported by every newer glibc; the binary also names libdl.so.2, which provides them before 2.34.
 * scripts/prebuild.mjs checks that no prebuilt binary needs a glibc newer than 2.28.
 */
#if defined(__x86_64__)
#define EFFECT_ZMQ_GLIBC_BASE "GLIBC_2.2.5"
#elif defined(__aarch64__)
#define EFFECT_ZMQ_GLIBC_BASE "GLIBC_2.17"
#endif
#ifdef EFFECT_ZMQ_GLIBC_BASE
__asm__(".symver dlopen,dlopen@" EFFECT_ZMQ_GLIBC_BASE);
__asm__(".symver dlsym,dlsym@" EFFECT_ZMQ_GLIBC_BASE);
__asm__(".symver dlclose,dlclose@" EFFECT_ZMQ_GLIBC_BASE);
__asm__(".symver dlerror,dlerror@" EFFECT_ZMQ_GLIBC_BASE);
__asm__(".symver dladdr,dladdr@" EFFECT_ZMQ_GLIBC_BASE);
#endif
