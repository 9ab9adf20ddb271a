using System.Buffers.Binary;

namespace Nvo3.Qemu.Image;

/// <summary>
/// A 306-byte static x86-64 Linux program that echoes UDP datagrams on port 7, IPv4 and IPv6
/// (one AF_INET6 socket; the guest kernel's default bindv6only=0 maps IPv4 into it).
/// </summary>
/// <remarks>
/// Why it exists: Debian's busybox-static builds the small <c>nc</c> (no <c>-u</c>) and has no
/// inetd, udpsvd or socat, so busybox alone cannot answer UDP. The machine code below was written
/// for this project and assembled once; its source is the comment beside each line. It uses only
/// socket, bind, recvfrom, sendto and exit, so it runs on any x86-64 Linux kernel.
/// </remarks>
public static class UdpEchoProgram
{
    /// <summary>The port it serves.</summary>
    public const int Port = 7;

    private const ulong LoadAddress = 0x400000;
    private const int ElfHeaderLength = 64;
    private const int ProgramHeaderLength = 56;

    private static ReadOnlySpan<byte> Code =>
    [
        0xbf, 0x0a, 0x00, 0x00, 0x00,             // mov edi, 10          AF_INET6
        0xbe, 0x02, 0x00, 0x00, 0x00,             // mov esi, 2           SOCK_DGRAM
        0x31, 0xd2,                               // xor edx, edx
        0xb8, 0x29, 0x00, 0x00, 0x00,             // mov eax, 41          socket
        0x0f, 0x05,                               // syscall
        0x48, 0x85, 0xc0,                         // test rax, rax
        0x0f, 0x88, 0x92, 0x00, 0x00, 0x00,       // js fail
        0x49, 0x89, 0xc4,                         // mov r12, rax         the socket
        0x48, 0x83, 0xec, 0x20,                   // sub rsp, 32          struct sockaddr_in6, zeroed
        0x31, 0xc0,                               // xor eax, eax
        0x48, 0x89, 0x04, 0x24,                   // mov [rsp], rax
        0x48, 0x89, 0x44, 0x24, 0x08,             // mov [rsp+8], rax
        0x48, 0x89, 0x44, 0x24, 0x10,             // mov [rsp+16], rax
        0x48, 0x89, 0x44, 0x24, 0x18,             // mov [rsp+24], rax
        0x66, 0xc7, 0x04, 0x24, 0x0a, 0x00,       // mov word [rsp], 10   sin6_family
        0x66, 0xc7, 0x44, 0x24, 0x02, 0x00, 0x07, // mov word [rsp+2], 0x0700  sin6_port = htons(7)
        0x4c, 0x89, 0xe7,                         // mov rdi, r12
        0x48, 0x89, 0xe6,                         // mov rsi, rsp
        0xba, 0x1c, 0x00, 0x00, 0x00,             // mov edx, 28
        0xb8, 0x31, 0x00, 0x00, 0x00,             // mov eax, 49          bind
        0x0f, 0x05,                               // syscall
        0x48, 0x85, 0xc0,                         // test rax, rax
        0x75, 0x52,                               // jnz fail
        0x48, 0x81, 0xec, 0x40, 0x00, 0x01, 0x00, // sub rsp, 65600       peer [rsp], its length [rsp+32], data [rsp+64]
        0xc7, 0x44, 0x24, 0x20, 0x1c, 0x00, 0x00, 0x00, // again: mov dword [rsp+32], 28
        0x4c, 0x89, 0xe7,                         // mov rdi, r12
        0x48, 0x8d, 0x74, 0x24, 0x40,             // lea rsi, [rsp+64]
        0xba, 0x00, 0x00, 0x01, 0x00,             // mov edx, 65536
        0x45, 0x31, 0xd2,                         // xor r10d, r10d       flags
        0x49, 0x89, 0xe0,                         // mov r8, rsp          src_addr
        0x4c, 0x8d, 0x4c, 0x24, 0x20,             // lea r9, [rsp+32]     addrlen
        0xb8, 0x2d, 0x00, 0x00, 0x00,             // mov eax, 45          recvfrom
        0x0f, 0x05,                               // syscall
        0x48, 0x85, 0xc0,                         // test rax, rax
        0x78, 0xd4,                               // js again
        0x48, 0x89, 0xc2,                         // mov rdx, rax         length received
        0x4c, 0x89, 0xe7,                         // mov rdi, r12
        0x48, 0x8d, 0x74, 0x24, 0x40,             // lea rsi, [rsp+64]
        0x45, 0x31, 0xd2,                         // xor r10d, r10d
        0x49, 0x89, 0xe0,                         // mov r8, rsp          dest_addr = the sender
        0x44, 0x8b, 0x4c, 0x24, 0x20,             // mov r9d, [rsp+32]
        0xb8, 0x2c, 0x00, 0x00, 0x00,             // mov eax, 44          sendto
        0x0f, 0x05,                               // syscall
        0xeb, 0xb5,                               // jmp again
        0xbf, 0x01, 0x00, 0x00, 0x00,             // fail: mov edi, 1
        0xb8, 0x3c, 0x00, 0x00, 0x00,             // mov eax, 60          exit
        0x0f, 0x05,                               // syscall
    ];

    /// <summary>The whole ELF file: header, one loadable segment, the code.</summary>
    public static byte[] Build()
    {
        int codeOffset = ElfHeaderLength + ProgramHeaderLength;
        var file = new byte[codeOffset + Code.Length];
        var e = file.AsSpan();
        // ELF header (Elf64_Ehdr): 64-bit, little-endian, version 1, System V ABI.
        "\x7F"u8.CopyTo(e);
        "ELF"u8.CopyTo(e[1..]);
        e[4] = 2;
        e[5] = 1;
        e[6] = 1;
        BinaryPrimitives.WriteUInt16LittleEndian(e[16..], 2);       // e_type ET_EXEC
        BinaryPrimitives.WriteUInt16LittleEndian(e[18..], 62);      // e_machine EM_X86_64
        BinaryPrimitives.WriteUInt32LittleEndian(e[20..], 1);       // e_version
        BinaryPrimitives.WriteUInt64LittleEndian(e[24..], LoadAddress + (ulong)codeOffset); // e_entry
        BinaryPrimitives.WriteUInt64LittleEndian(e[32..], ElfHeaderLength);                // e_phoff
        BinaryPrimitives.WriteUInt16LittleEndian(e[52..], ElfHeaderLength);                // e_ehsize
        BinaryPrimitives.WriteUInt16LittleEndian(e[54..], ProgramHeaderLength);            // e_phentsize
        BinaryPrimitives.WriteUInt16LittleEndian(e[56..], 1);                              // e_phnum
        // Program header (Elf64_Phdr): PT_LOAD of the whole file, read and execute.
        var p = e[ElfHeaderLength..];
        BinaryPrimitives.WriteUInt32LittleEndian(p, 1);             // p_type PT_LOAD
        BinaryPrimitives.WriteUInt32LittleEndian(p[4..], 5);        // p_flags PF_R | PF_X
        BinaryPrimitives.WriteUInt64LittleEndian(p[16..], LoadAddress);         // p_vaddr
        BinaryPrimitives.WriteUInt64LittleEndian(p[24..], LoadAddress);         // p_paddr
        BinaryPrimitives.WriteUInt64LittleEndian(p[32..], (ulong)file.Length);  // p_filesz
        BinaryPrimitives.WriteUInt64LittleEndian(p[40..], (ulong)file.Length);  // p_memsz
        BinaryPrimitives.WriteUInt64LittleEndian(p[48..], 0x1000);              // p_align
        Code.CopyTo(e[codeOffset..]);
        return file;
    }
}
