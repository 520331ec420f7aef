package dev.canopy.core.stats;

/** A 64-bit string hash with good mixing, used as the sampling priority of rollouts and prompts. */
public final class Hashing {

    private Hashing() {
    }

    public static long hash64(String s) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < s.length(); i++) {
            h ^= s.charAt(i);
            h *= 0x100000001b3L;
        }
        // splitmix64 finaliser: spreads FNV's weak low bits over the whole word
        h ^= h >>> 30;
        h *= 0xbf58476d1ce4e5b9L;
        h ^= h >>> 27;
        h *= 0x94d049bb133111ebL;
        h ^= h >>> 31;
        return h;
    }
}
