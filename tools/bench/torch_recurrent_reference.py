#!/usr/bin/env python3
"""Prints PyTorch's h_n for the reference test of tests/nn/recurrent_test.cpp ("LSTM and GRU
give what PyTorch gives on packed sequences"): a bidirectional nn.LSTM and nn.GRU in float64
over packed sequences of lengths 4 and 2, every parameter 0.5*sin(0.37k + 0.1) laid out as
Gyre lays them out, x = cos(0.23k). Run with the peer's venv (tools/bench/install_torch.sh):
build/torch-venv/bin/python tools/bench/torch_recurrent_reference.py
"""
import math

import torch

torch.set_default_dtype(torch.float64)
N,T,I,H=2,4,3,2
lengths=[4,2]
x=torch.tensor([math.cos(0.23*k) for k in range(N*T*I)]).reshape(N,T,I)
for kind,G in (("lstm",4),("gru",3)):
    mod=(torch.nn.LSTM if kind=="lstm" else torch.nn.GRU)(I,H,batch_first=True,bidirectional=True)
    k=0
    def take(n):
        global k  # noqa: PLW0603 (a running offset in the flat buffer)
        v=torch.tensor([0.5*math.sin(0.37*(k+i)+0.1) for i in range(n)]); k+=n; return v
    with torch.no_grad():
        for d,suffix in ((0,""),(1,"_reverse")):
            W=take(I*G*H).reshape(I,G*H); RW=take(H*G*H).reshape(H,G*H); b=take(G*H)
            getattr(mod,"weight_ih_l0"+suffix).copy_(W.T); getattr(mod,"weight_hh_l0"+suffix).copy_(RW.T)
            if kind=="gru":
                rb=take(G*H); getattr(mod,"bias_ih_l0"+suffix).copy_(b); getattr(mod,"bias_hh_l0"+suffix).copy_(rb)
            else:
                getattr(mod,"bias_ih_l0"+suffix).copy_(b); getattr(mod,"bias_hh_l0"+suffix).zero_()
    packed=torch.nn.utils.rnn.pack_padded_sequence(x,lengths,batch_first=True,enforce_sorted=False)
    out=mod(packed)[1]
    hn=out[0] if kind=="lstm" else out
    y=torch.cat([hn[0],hn[1]],dim=1)
    print(kind, k, "parameters:", ", ".join("%.9f"%v for v in y.flatten().tolist()))
