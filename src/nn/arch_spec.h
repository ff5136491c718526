/* arch_spec.h - the text form of a design (a NetArch), parsed and printed here and nowhere
 * else: mnist-train --arch, the page's URLs and editor, the model file's and safetensors'
 * metadata all use it. docs/network.md documents the grammar:
 *
 *   layer tokens separated by spaces, in order, for a 1 x 28 x 28 input:
 *     c<out>k<size>[:same][:nobn][:g<G>][:d<p>]  convolution, kernel 1, 3, 5 or 7, stride 1;
 *                                          padding 0 or size/2 (same); BatchNorm or (nobn) a
 *                                          bias; G groups (G divides the input and output
 *                                          channels; g1, the default, is the plain convolution;
 *                                          G = input channels is depthwise); ReLU; dropout p
 *                                          (default: the recipe's rate)
 *     m2                                   2x2 max-pool, stride 2
 *     gap                                  global average pool
 *     flat                                 flatten (only fc may follow)
 *     fc<out>[:d<p>]                       fully connected with bias; a hidden one has ReLU and
 *                                          dropout; the last is fc10 (log-softmax follows)
 *
 * Printing is canonical (single spaces; options in the order same, nobn, g, d, no g1; p in its shortest
 * decimal that reads back as the same float), so print(parse(s)) == s for a canonical s and
 * parse(print(a)) == a.
 *
 * The gate: arch_design_check is the one check of a design that comes from outside. Every
 * design a model file (any version), a safetensors file, a URL, the page's editor or the
 * command line brings passes it before a Net is made or anything is allocated for it (the
 * text form through arch_spec_parse, the model file's layer table through model_io's reader).
 * It checks, naming the rule that fails: the exercise's input (1 x 28 x 28) and classes (the
 * last layer fc10); the kernel (1, 3, 5, 7) and pool (m2) sizes; the group count (1 to
 * NET_MAX_GROUPS, dividing the channels, for convolutions only); that each layer record says
 * no more than its token (no fields or options its kind lacks, a dropout the text prints
 * exactly); a printable name; and the network code's validation (net_arch_validate: shapes
 * and the limits of layers, channels, parameters and activation memory).
 * Consumers that assume the exercise's shapes (784 floats of input per image, 10 classes)
 * assert them with arch_net_reads_digits and return an error rather than run. */
#ifndef NN_ARCH_SPEC_H
#define NN_ARCH_SPEC_H
#include "net.h"
#include <stddef.h>

#define ARCH_SPEC_MAX 512          /* characters of a design's text form, NUL included */

/* 0 and the design in *arch (named name, at most 31 characters; NULL: "custom"), or 1 and a
 * message naming the token at fault; a NAME of arch_named is accepted too. *arch is written
 * only on success. */
int  arch_spec_parse(const char *text, NetArch *arch, char *err, size_t errlen);
/* the canonical text of arch into buf; 0, or 1 if it does not fit or a layer has no text form */
int  arch_spec_format(const NetArch *arch, char *buf, size_t len);
/* the gate (above); 1 if the design is valid, else 0 and a message naming the layer and rule */
int  arch_design_check(const NetArch *arch, char *err, size_t errlen);
/* 1 if net takes 1 x 28 x 28 images and gives LIMIT_CLASSES classes (what every reader of
 * digits assumes), else 0 and a message starting with what (e.g. "evaluation") */
int  arch_net_reads_digits(const Net *net, const char *what, char *err, size_t errlen);

/* The named designs (contract.h NAMED_DESIGNS): the spec of name, or NULL */
const char *arch_named(const char *name);

/* Per layer of a valid design, what an editor shows; returns the layer count (0 and a message
 * if the design is invalid). groups: a convolution's (1: plain), 0 for other kinds. rf: the
 * receptive field's side in input pixels of one output
 * value (the whole input from a global pool or a flatten on). */
typedef struct { char token[48]; int C, H, W, K, P, Q, groups; size_t params, macs; int rf; } ArchLayerInfo;
int arch_describe(const NetArch *arch, ArchLayerInfo info[NET_MAX_LAYERS], size_t *params, size_t *macs, char *err,
                  size_t errlen);
/* the same as one line of JSON, malloc'd (the caller frees), or NULL and a message:
 * {"arch","name","params","macs","layers":[{"token","in":[C,H,W],"out":[K,P,Q],"groups","params","macs","rf",
 *   "settings"}]}
 * (groups: a convolution's, 1 or more; 0 for other kinds). settings: the layer as an editor edits it, the
 * fields of its token: {"kind":"conv","channels","kernel","same","bn","groups","dropout"}, {"kind":"pool","size"},
 * {"kind":"gap"}, {"kind":"flat"}, {"kind":"fc","channels","dropout"}; dropout is the text the token prints
 * after :d ("": none, the recipe's rate) */
char *arch_describe_json(const NetArch *arch, char *err, size_t errlen);
#endif
