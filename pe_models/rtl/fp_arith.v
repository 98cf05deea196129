// Floating-point building blocks for the reference FP MAC (cost reference, not IEEE-complete):
// normal numbers only (zero/subnormal inputs flush to zero), no Inf/NaN, round toward zero.
// These simplifications remove little logic relative to the datapath (alignment shifter,
// mantissa multiplier/adder, leading-zero normalisation), which is what dominates cost.

// Product of two (1, EW, MW) floats, returned as an IEEE-754 binary32 bit pattern.
module fp_mul_to_fp32 #(
    parameter EW = 5,
    parameter MW = 10
) (
    input  wire [EW+MW:0] x,
    input  wire [EW+MW:0] y,
    output wire [31:0]    p
);
    localparam BIAS = (1 << (EW - 1)) - 1;
    wire          sx = x[EW+MW], sy = y[EW+MW];
    wire [EW-1:0] ex = x[EW+MW-1:MW], ey = y[EW+MW-1:MW];
    wire          zero = (ex == 0) || (ey == 0);
    wire [2*MW+1:0] m = {1'b1, x[MW-1:0]} * {1'b1, y[MW-1:0]};
    wire          top = m[2*MW+1];
    // normalised fraction without the hidden bit, left-aligned in 23 bits
    wire [2*MW:0] frac = top ? m[2*MW:0] : {m[2*MW-1:0], 1'b0};
    wire [22:0]   f32;
    generate
        if (2 * MW + 1 >= 23) begin : g_trunc
            assign f32 = frac[2*MW -: 23];
        end else begin : g_pad
            assign f32 = {frac, {(23 - 2 * MW - 1){1'b0}}};
        end
    endgenerate
    wire signed [10:0] e32 = $signed({3'b000, ex}) + $signed({3'b000, ey}) - 2 * BIAS + 127 + top;
    wire          uflow = e32 <= 0;
    wire          oflow = e32 >= 255;
    assign p = (zero || uflow) ? 32'd0 :
               oflow ? {sx ^ sy, 8'hfe, 23'h7fffff} : {sx ^ sy, e32[7:0], f32};
endmodule

// IEEE-754 binary32 adder: swap, align, add/subtract, normalise (leading-zero count).
module fp32_add (
    input  wire [31:0] x,
    input  wire [31:0] y,
    output reg  [31:0] s
);
    localparam G = 3;  // guard bits kept through alignment
    wire x_big = x[30:0] >= y[30:0];
    wire [31:0] b = x_big ? x : y;
    wire [31:0] l = x_big ? y : x;
    wire [7:0]  eb = b[30:23], el = l[30:23];
    wire [23+G:0] mb = (eb == 0) ? 0 : {1'b1, b[22:0], {G{1'b0}}};
    wire [23+G:0] ml = (el == 0) ? 0 : {1'b1, l[22:0], {G{1'b0}}};
    wire [7:0]  d = eb - el;
    wire [23+G:0] ml_al = (d > 23 + G) ? 0 : (ml >> d);
    wire          sub = b[31] ^ l[31];
    wire [24+G:0] sum = sub ? {1'b0, mb} - {1'b0, ml_al} : {1'b0, mb} + {1'b0, ml_al};
    reg  [4:0]  lz;
    reg  [24+G:0] norm;
    reg  signed [9:0] e;
    integer i;
    always @(*) begin
        lz = 0;
        for (i = 0; i <= 23 + G; i = i + 1)
            if (sum[i]) lz = 23 + G - i;  // highest set bit below the carry position wins
        if (sum[24+G]) begin
            norm = sum >> 1;
            e = eb + 1;
        end else begin
            norm = sum << lz;
            e = eb - lz;
        end
        if (sum == 0 || e <= 0) s = 32'd0;
        else if (e >= 255)      s = {b[31], 8'hfe, 23'h7fffff};
        else                    s = {b[31], e[7:0], norm[22+G:G]};
    end
endmodule
